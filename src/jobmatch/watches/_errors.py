"""The errors a watch request can meet; each message names the field."""

from __future__ import annotations


class WatchError(ValueError):
    """A watch request that breaks a rule; the message names the field."""


class WatchNotFound(LookupError):
    """No such watch (or run, or resume) for this owner: one answer for both, so ids do not leak across keys."""


class WatchConflict(WatchError):
    """The owner already has a watch of that name, or as many watches as allowed."""
