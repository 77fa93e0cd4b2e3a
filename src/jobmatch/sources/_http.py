"""The one HTTP layer every source uses: allowed hosts only, per-host limits, retries with full jitter."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from jobmatch.config import Settings
from jobmatch.sources._limits import HostLimiter, LocalHostLimiter

# LinkedIn answers 999 to clients it has decided are bots; 429 is plain rate limiting.
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, 999})
_BLOCK_PATHS = ("/authwall", "/signup", "/login", "/uas/login", "/checkpoint")
_MAX_REDIRECTS = 5


class FetchError(Exception):
    """A request that did not give a usable response; `reason` is one line a user can read."""

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BlockedError(FetchError):
    """The board refused us as a bot: HTTP 999, or a redirect to a sign-up or login wall."""


class NotFoundError(FetchError):
    """The board says the page does not exist (404/410)."""


class HostNotAllowedError(FetchError):
    """A URL whose host is not one of the configured job boards'."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, interval * backoff**(n-1)))."""

    attempts: int = 3
    interval: float = 1.0
    backoff: float = 2.0
    max_delay: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.retry_attempts, settings.retry_interval, settings.retry_backoff, settings.retry_max_delay)

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.interval * self.backoff ** (attempt - 1)))


class PoliteClient:
    """An async HTTP client that fetches only from allowed hosts, politely, retrying transient faults."""

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: HostLimiter | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._settings = settings
        self._allowed = settings.allowed_hosts
        self._policy = RetryPolicy.from_settings(settings)
        self._rng = rng or random.Random()
        self._limiter = limiter or LocalHostLimiter(settings.max_concurrency, settings.page_delay, self._rng)
        limits = httpx.Limits(
            max_connections=settings.max_concurrency * 2, max_keepalive_connections=settings.max_concurrency
        )
        self._http = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent, "Accept-Language": "en-US,en;q=0.9"},
            timeout=httpx.Timeout(settings.request_timeout),
            limits=limits,
            follow_redirects=False,
            transport=transport,
        )

    @property
    def cookies(self) -> httpx.Cookies:
        return self._http.cookies

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self,
        url: str,
        *,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        paced: bool = False,
    ) -> httpx.Response:
        """GET `url`, retrying transient faults; `paced` requests (search pages) keep the page delay."""
        host = self._check_host(url)
        last_error: FetchError | None = None
        for attempt in range(1, self._policy.attempts + 1):
            if paced:
                await self._limiter.wait_turn(host)
            try:
                async with self._limiter.slot(host):
                    response = await self._get_following_redirects(url, params, headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_error = FetchError(f"{_describe(exc)} fetching {url}")
                retry_after = None
            else:
                if response.status_code < 400:
                    return response
                last_error = _status_error(response)
                if response.status_code not in _RETRYABLE_STATUS:
                    raise last_error
                retry_after = _retry_after(response)
            if attempt < self._policy.attempts:
                await asyncio.sleep(self._pause(attempt, retry_after))
        assert last_error is not None
        raise last_error

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._policy.max_delay)
        return self._policy.delay(attempt, self._rng)

    async def _get_following_redirects(
        self, url: str, params: dict[str, str | int] | None, headers: dict[str, str] | None
    ) -> httpx.Response:
        # Redirects are followed by hand so that each hop is checked against the allowed hosts and block walls.
        for _ in range(_MAX_REDIRECTS + 1):
            response = await self._http.get(url, params=params, headers=headers)
            await response.aread()
            if not response.is_redirect:
                return response
            target = urljoin(str(response.url), response.headers["location"])
            if urlsplit(target).path.startswith(_BLOCK_PATHS):
                raise BlockedError(
                    f"blocked: {urlsplit(url).hostname} redirected to a sign-in wall ({urlsplit(target).path})",
                    status=response.status_code,
                )
            self._check_host(target)
            url, params = target, None
        raise FetchError(f"too many redirects fetching {url}")

    def _check_host(self, url: str) -> str:
        host = urlsplit(url).hostname or ""
        if host not in self._allowed:
            raise HostNotAllowedError(f"refusing to fetch {url}: host {host!r} is not an allowed job board")
        return host


def _status_error(response: httpx.Response) -> FetchError:
    status = response.status_code
    where = response.request.url.copy_with(query=None)
    if status == 999:
        return BlockedError(f"blocked: HTTP 999 from {where}", status=status)
    if status in (404, 410):
        return NotFoundError(f"HTTP {status} (not found) from {where}", status=status)
    return FetchError(f"HTTP {status} from {where}", status=status)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc or 'connection refused'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection broken ({exc})"
    return f"network error ({type(exc).__name__}: {exc})"
