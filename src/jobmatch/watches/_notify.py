"""Telling a job seeker about a run's news through apprise (email, Slack, Discord, ntfy, Telegram, webhooks)."""

from __future__ import annotations

import ipaddress
import logging
import socket
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


def check_notify_urls(urls: Sequence[str], *, field: str = "notify", private_hosts: bool = False) -> list[str]:
    """The URLs, each checked with apprise; an unknown scheme or a malformed URL is refused naming it, and so is one
    whose host is this machine or a private network unless `private_hosts` (JOBMATCH_WATCH_NOTIFY_PRIVATE_HOSTS)."""
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
        if not private_hosts and _private_host(url):
            raise NotifyUrlError(
                f"{field}[{index}]: {_redacted(url)!r} points at this machine or a private network; only public"
                " services may be told (JOBMATCH_WATCH_NOTIFY_PRIVATE_HOSTS allows them on a self-hosted server)"
            )
        checked.append(url)
    return checked


def _private_host(url: str) -> bool:
    """Whether the URL's host is, or resolves to, a loopback, private, link-local or unspecified address. A host
    that does not resolve (a service URL whose "host" is a token, as in slack://T0/B0/X) is a public service's."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved:
            return True
    return False


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
