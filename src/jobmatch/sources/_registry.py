"""Sources by name: `linkedin`, or a company board `<ats>:<board>` such as `greenhouse:stripe`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from jobmatch.config import Settings
from jobmatch.sources._fields import BOARD_TOKEN
from jobmatch.sources._http import PoliteClient
from jobmatch.sources.ashby import AshbySource
from jobmatch.sources.greenhouse import GreenhouseSource
from jobmatch.sources.lever import LeverEuSource, LeverSource
from jobmatch.sources.linkedin import LinkedInSource

if TYPE_CHECKING:
    from jobmatch.sources import Source

MAX_BOARD = 100
ACCEPTED_FORMS = (
    "linkedin, greenhouse:<board_token>, lever:<site>, lever:eu:<site> (Lever's EU instance), ashby:<board_name>"
)


class UnknownSourceError(ValueError):
    """A source name no module implements, or a board name that cannot be one."""


class _SourceClass(Protocol):
    whole_board: bool

    def from_settings(self, client: PoliteClient, settings: Settings, board: str) -> Source: ...


# Prefix -> the class that reads it. Whole-board sources take a board after the prefix; LinkedIn takes none.
SOURCES: dict[str, _SourceClass] = {
    "linkedin": LinkedInSource,
    "greenhouse": GreenhouseSource,
    "lever": LeverSource,
    "lever:eu": LeverEuSource,
    "ashby": AshbySource,
}


def check_source_name(name: str) -> str:
    """The source name in its one spelling (prefix lower-cased, spaces trimmed); UnknownSourceError, naming the
    accepted forms, for a name no source reads."""
    prefix, board = _split(name)
    return f"{prefix}:{board}" if board else prefix


def whole_board(name: str) -> bool:
    """Whether the source `name` is a company board, read whole and filtered (UnknownSourceError for no source)."""
    return SOURCES[_split(name)[0]].whole_board


def make_source(name: str, client: PoliteClient, settings: Settings) -> Source:
    """The source called `name`, speaking through `client`."""
    prefix, board = _split(name)
    return SOURCES[prefix].from_settings(client, settings, board)


def _split(name: str) -> tuple[str, str]:
    cleaned = name.strip()
    if not cleaned:
        raise UnknownSourceError(f"source name is empty; use one of: {ACCEPTED_FORMS}")
    prefix, _, board = cleaned.rpartition(":") if ":" in cleaned else (cleaned, "", "")
    prefix = prefix.lower()
    source = SOURCES.get(prefix)
    if source is None:
        raise UnknownSourceError(f"unknown source {_shown(cleaned)}; use one of: {ACCEPTED_FORMS}")
    if not source.whole_board:
        if board:
            raise UnknownSourceError(f"source {prefix!r} takes no board, got {_shown(cleaned)}; use {prefix!r}")
        return prefix, ""
    if not board:
        raise UnknownSourceError(f"source {_shown(cleaned)} needs a board: {prefix}:<board>")
    if len(board) > MAX_BOARD:
        raise UnknownSourceError(f"board of source {prefix!r} is {len(board)} characters long; at most {MAX_BOARD}")
    if not BOARD_TOKEN.fullmatch(board):
        raise UnknownSourceError(
            f"board {_shown(board)} of source {prefix!r} may hold only letters, digits, '_', '.' and '-' "
            "(and at least one letter or digit)"
        )
    return prefix, board


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
