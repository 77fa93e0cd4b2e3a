"""Telling a job seeker about a run's news through apprise (email, Slack, Discord, ntfy, Telegram, webhooks)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from jobmatch.models import NotifyStatus, Watch
from jobmatch.watches._errors import WatchError
from jobmatch.watches._news import WatchMatch

log = logging.getLogger(__name__)


class NotifyUrlError(WatchError):
    """A notify URL apprise cannot use; the message names the field."""


@dataclass(frozen=True)
class Delivery:
    """How telling a run's channels went."""

    status: NotifyStatus
    attempts: int = 0
    error: str | None = None


def check_notify_urls(urls: Sequence[str], *, field: str = "notify") -> list[str]:
    """The URLs, each checked with apprise; an unknown scheme or a malformed URL is refused naming it."""
    import apprise

    checked = []
    for index, url in enumerate(urls):
        url = url.strip()
        if apprise.Apprise.instantiate(url) is None:
            scheme = urlsplit(url).scheme or "(none)"
            raise NotifyUrlError(
                f"{field}[{index}]: apprise cannot use {_redacted(url)!r} (scheme {scheme}://): see apprise's list"
                " of services, e.g. mailto://, json://, slack://, ntfy://"
            )
        checked.append(url)
    return checked


def message(watch: Watch, new: Sequence[WatchMatch], report_url: str) -> tuple[str, str]:
    """(title, body) of a run's notification: each new match on two lines, then the full report's link."""
    title = f"jobmatch: {len(new)} new match{'es' if len(new) != 1 else ''} for {watch.name!r}"
    lines = []
    for match in new:
        place = f", {match.location}" if match.location else ""
        lines.append(f"{match.title} at {match.company}{place} (score {match.score:.2f})")
        lines.append(f"  {match.url}")
    lines.append("")
    lines.append(f"Full report: {report_url}")
    return title, "\n".join(lines)


def deliver(urls: Sequence[str], title: str, body: str, *, attempts: int, delay: float) -> Delivery:
    """Send to every channel, each tried up to `attempts` times (waiting `delay`, then twice that, ...) until it
    takes the message; a channel that is down never stops the others."""
    if not urls:
        return Delivery(NotifyStatus.NONE)
    import apprise

    pending = list(urls)
    errors: dict[str, str] = {}
    tries = 0
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay * 2 ** (attempt - 1))
        tries += 1
        still = []
        for url in pending:
            channel = apprise.Apprise()
            channel.add(url)
            with apprise.LogCapture(level=logging.WARNING) as captured:
                sent = bool(channel.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT))
            if sent:
                errors.pop(url, None)
                continue
            reason = (captured.getvalue().strip().splitlines() or ["the channel did not take the message"])[-1]
            errors[url] = reason.split(" - ", 2)[-1]
            log.warning("notification to %s failed (attempt %d of %d): %s", _redacted(url), tries, attempts, reason)
            still.append(url)
        pending = still
        if not pending:
            return Delivery(NotifyStatus.SENT, attempts=tries)
    error = "; ".join(f"{_redacted(url)}: {errors[url]}" for url in pending)
    return Delivery(NotifyStatus.FAILED, attempts=tries, error=error)


def _redacted(url: str) -> str:
    """The URL without its credentials, query or path (tokens live there), to show in errors and logs."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"
