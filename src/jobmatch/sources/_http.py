"""The one HTTP layer every source uses: allowed boards only, per-host limits and pace, retries with full jitter."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from jobmatch._retry import RetryPolicy
from jobmatch.config import Settings, origin
from jobmatch.sources._limits import HostLimiter, LocalHostLimiter, Pacing

log = logging.getLogger("jobmatch.sources")

# LinkedIn answers 999 to clients it has decided are bots; 429 is plain rate limiting.
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, 999})
# Both say "too fast": the host's pace slows for every request, not only this one's retry.
_THROTTLE_STATUS = frozenset({429, 999})
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
    """A URL whose scheme, host and port are not one of the configured job boards'."""


class FetchEvents(Protocol):
    """What a client reports besides its answers, for the search it fetches for (to count retries, say)."""

    def retried(self, host: str, reason: str, attempt: int, wait: float) -> None:
        """A request to `host` failed with `reason` on `attempt` and is tried again after `wait` seconds."""
        ...

    def blocked(self, host: str, reason: str) -> None:
        """`host` refused us as a bot."""
        ...


@dataclass
class _Route:
    """One way out to the boards: direct, or through one proxy; its own connections, user agent and pace."""

    label: str
    http: httpx.AsyncClient
    resting_until: float = 0.0


class PoliteClient:
    """An async HTTP client that fetches only from allowed boards, politely, retrying transient faults.

    Each retry, `Retry-After` wait and block is logged on `jobmatch.sources` (one line, with `search_id`, `host`,
    `reason`, `attempt` and `wait_seconds` as record fields too) and reported to `events`. With proxies configured,
    requests rotate through them; each has its own pace and in-flight limit per board, and one answered 429 or 999
    rests while the request moves on to the next at once.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: HostLimiter | None = None,
        rng: random.Random | None = None,
        events: FetchEvents | None = None,
        search_id: str | None = None,
    ):
        self._settings = settings
        self._allowed = settings.allowed_origins
        self._policy = RetryPolicy.from_settings(settings)
        self._pacing = Pacing.from_settings(settings)
        self._rng = rng or random.Random()
        self._limiter = limiter or LocalHostLimiter.from_settings(settings, self._rng)
        self._events = events
        self._search_id = search_id
        self._routes = [self._open_route(proxy) for proxy in settings.proxies or (None,)]
        self._turn = 0

    def _open_route(self, proxy: str | None) -> _Route:
        limits = httpx.Limits(
            max_connections=self._settings.max_concurrency * 2,
            max_keepalive_connections=self._settings.max_concurrency,
        )
        http = httpx.AsyncClient(
            headers={
                "User-Agent": self._settings.user_agent or browser_user_agent(self._rng),
                "Accept-Language": "en-US,en;q=0.9",
            },
            timeout=httpx.Timeout(self._settings.request_timeout),
            limits=limits,
            follow_redirects=False,
            proxy=proxy,
        )
        if proxy is None:
            return _Route("direct", http)
        _, host, port = origin(proxy)
        return _Route(f"proxy {host}:{port}", http)  # never the proxy's credentials: this goes into log lines

    @property
    def cookies(self) -> httpx.Cookies:
        return self._routes[0].http.cookies

    @property
    def user_agents(self) -> list[str]:
        """The user agent each route presents."""
        return [route.http.headers["User-Agent"] for route in self._routes]

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(*(route.http.aclose() for route in self._routes))

    async def get(
        self,
        url: str,
        *,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        paced: bool = False,
    ) -> httpx.Response:
        """GET `url`, retrying transient faults.

        `paced` requests (search pages) keep the page delay and have search_retry_attempts attempts. Answers that
        throttle (429, or any with Retry-After) are waited out without using up attempts, up to throttle_max_wait
        seconds of waiting in all; each slows the host's pace for every request.
        """
        host = self._check_origin(url)
        attempts = self._settings.search_retry_attempts if paced else self._policy.attempts
        failures = tries = 0
        throttle_waited = 0.0
        while True:
            tries += 1
            if paced:
                await self._limiter.wait_turn(host)
            route = self._pick_route()
            outcome = await self._attempt(route, host, url, params, headers)
            if isinstance(outcome, httpx.Response):
                return outcome
            error, retry_after = outcome
            if error.status in _THROTTLE_STATUS and self._rest(route):
                # That proxy has been noticed; another one has not: go on through it at once.
                self._note_retry(host, f"{error.reason} via {route.label}; moving to the next proxy", tries, 0, False)
                continue
            if retry_after is not None or error.status == 429:
                wait = self._pause(tries, retry_after)
                throttle_waited += wait
                if throttle_waited > self._settings.throttle_max_wait:
                    raise FetchError(f"{error.reason} (still throttled after {throttle_waited - wait:.0f} s of waits)")
            else:
                failures += 1
                if failures >= attempts:
                    if isinstance(error, BlockedError):
                        self._note_block(host, error.reason)
                    raise error
                wait = self._pause(failures, retry_after)
            self._note_retry(host, error.reason, tries, wait, retry_after is not None)
            await asyncio.sleep(wait)

    def _pick_route(self) -> _Route:
        """The next route in turn that is not resting (or, all resting, the one that rests the least longer)."""
        now = time.monotonic()
        count = len(self._routes)
        for step in range(count):
            route = self._routes[(self._turn + step) % count]
            if route.resting_until <= now:
                self._turn = (self._turn + step + 1) % count
                return route
        return min(self._routes, key=lambda route: route.resting_until)

    def _rest(self, route: _Route) -> bool:
        """Rest a throttled proxy; True when another route is free to carry on at once."""
        if len(self._routes) == 1:
            return False
        now = time.monotonic()
        route.resting_until = now + self._settings.proxy_rest_seconds
        return any(other.resting_until <= now for other in self._routes)

    async def _attempt(
        self,
        route: _Route,
        host: str,
        url: str,
        params: dict[str, str | int] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response | tuple[FetchError, float | None]:
        """One request at the host's pace: its response, or an error worth retrying and its Retry-After."""
        # Through a proxy the board sees another client: its pace and in-flight places are that proxy's own.
        key = host if len(self._routes) == 1 else f"{host} via {route.label}"
        try:
            async with self._limiter.slot(key):
                generation = await self._limiter.pace(key)
                response = await self._get_following_redirects(route, url, params, headers)
        except BlockedError as exc:
            self._note_block(host, exc.reason)
            raise
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            return FetchError(f"{_describe(exc)} fetching {url}"), None
        self._share_cookies(route, response)
        status, retry_after = response.status_code, _retry_after(response)
        if status in _THROTTLE_STATUS or retry_after is not None:
            self._limiter.throttled(key, generation, self._pacing)
        elif status < 500:
            self._limiter.healthy(key, generation, self._pacing)
        if status < 400:
            return response
        error = _status_error(response)
        if status not in _RETRYABLE_STATUS:
            raise error
        return error, retry_after

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._policy.max_delay)
        return self._policy.delay(attempt, self._rng)

    def _note_retry(self, host: str, reason: str, attempt: int, wait: float, told: bool) -> None:
        what = "waiting out Retry-After" if told else "retrying"
        log.info(
            "%s: search %s, host %s, attempt %d failed (%s); next in %.2f s",
            what,
            self._search_id or "-",
            host,
            attempt,
            reason,
            wait,
            extra={
                "search_id": self._search_id,
                "host": host,
                "reason": reason,
                "attempt": attempt,
                "wait_seconds": wait,
            },
        )
        if self._events is not None:
            self._events.retried(host, reason, attempt, wait)

    def _note_block(self, host: str, reason: str) -> None:
        log.warning(
            "blocked: search %s, host %s (%s)",
            self._search_id or "-",
            host,
            reason,
            extra={"search_id": self._search_id, "host": host, "reason": reason},
        )
        if self._events is not None:
            self._events.blocked(host, reason)

    def _share_cookies(self, route: _Route, response: httpx.Response) -> None:
        # A board's session cookie (LinkedIn's CSRF token) must follow the search whichever proxy carries it next.
        if len(self._routes) > 1 and response.cookies:
            for other in self._routes:
                if other is not route:
                    other.http.cookies.update(response.cookies)

    async def _get_following_redirects(
        self, route: _Route, url: str, params: dict[str, str | int] | None, headers: dict[str, str] | None
    ) -> httpx.Response:
        # Redirects are followed by hand so that each hop is checked against the allowed boards and block walls.
        for _ in range(_MAX_REDIRECTS + 1):
            response = await route.http.get(url, params=params, headers=headers)
            await response.aread()
            if not response.is_redirect:
                return response
            target = urljoin(str(response.url), response.headers["location"])
            if urlsplit(target).path.startswith(_BLOCK_PATHS):
                raise BlockedError(
                    f"blocked: {urlsplit(url).hostname} redirected to a sign-in wall ({urlsplit(target).path})",
                    status=response.status_code,
                )
            self._check_origin(target)
            url, params = target, None
        raise FetchError(f"too many redirects fetching {url}")

    def _check_origin(self, url: str) -> str:
        scheme, host, port = origin(url)
        if (scheme, host, port) not in self._allowed:
            raise HostNotAllowedError(f"refusing to fetch {url}: {scheme}://{host}:{port} is not an allowed job board")
        return f"{host}:{port}"


@lru_cache(maxsize=1)
def _browser_agents() -> tuple[str, ...]:
    from fake_useragent import UserAgent

    agents = UserAgent(browsers=["Chrome", "Firefox", "Edge", "Safari"], platforms="desktop")
    # Its data is a maintained list of real browsers' agents, weighted by use; a few dozen draws cover it well.
    return tuple(dict.fromkeys(agents.random for _ in range(64)))


def browser_user_agent(rng: random.Random) -> str:
    """A current desktop browser's user agent, from fake-useragent's maintained set of real ones."""
    return rng.choice(_browser_agents())


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
