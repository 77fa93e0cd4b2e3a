"""A fake LinkedIn job board: LinkedIn's guest job routes in LinkedIn's markup, on loopback, with scripted faults.

It also serves Greenhouse's, Lever's and Ashby's public board APIs at their own paths (see `_ats`), so one base
URL stands in for every job board. Scraper tests and benchmarks run against it, and `jobmatch board` serves it so
the whole flow works offline. Everything it does (postings, faults, short pages, repeated cards) follows from
`BoardConfig.seed`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import re
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from jobmatch.jobfiles import load_postings
from jobmatch.models import JobPosting
from jobmatch.testing import _ats
from jobmatch.testing import _board_markup as markup
from jobmatch.testing._board_content import EMPLOYMENT_TYPES, LOCATIONS, OCCUPATIONS, describe, seniority_for

FAULT_KINDS: tuple[str, ...] = ("500", "503", "429", "999", "reset", "stall", "truncate")
BLOCK_MODES: tuple[str, ...] = ("999", "authwall", "signup")

_SEARCH_API = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
_POSTING_API = re.compile(r"^/jobs-guest/jobs/api/jobPosting/([^/]+)/?$")
_JOB_VIEW = re.compile(r"^/jobs/view/(?:.*-)?(\d+)/?$")
_TPR = re.compile(r"^r(\d+)$")
_REASONS = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    999: "Request denied",
}
_HTML = "text/html; charset=utf-8"


@dataclass
class BoardConfig:
    """Everything the board can be told to do; the defaults are a well-behaved board with no faults or latency."""

    seed: int = 0
    count: int = 50  # postings generated when none are given
    closed_rate: float = 0.1  # share of generated postings that no longer accept applications
    now: datetime | None = None  # the board's "now" for posting ages; None = when the Board is built
    # Search paging.
    page_size: int = 10
    max_start: int = 1000  # start >= this -> 400, as LinkedIn refuses
    repeat_cards: int = 0  # the last N cards of page k come again at the start of page k+1
    short_page_rate: float = 0.0  # share of pages (by page index) shorter than page_size
    duplicate_card_rate: float = 0.0  # share of pages (by page index) showing one of their cards twice
    filter_keywords: bool = False  # list only postings containing a keyword (off: every search lists everything)
    # Postings whose guest API fragment 404s or is empty, so a scraper must fall back to /jobs/view/<id>.
    missing_fragment_rate: float = 0.0
    # Load and faults.
    latency: float = 0.0  # seconds added to every response...
    jitter: float = 0.0  # ...plus or minus up to this much
    fault_rate: float = 0.0  # share of job ids that fault on their first `fault_attempts` fetches
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    fault_attempts: int = 1
    search_fault_rate: float = 0.0  # share of search API pages (by start) that fault the same way
    stall_seconds: float = 5.0  # a "stall" holds the request this long, then closes without a reply
    retry_after: int = 1  # Retry-After seconds sent with every 429
    rate_limit: float | None = None  # more than this many requests in one second from one client -> 429
    block: str | None = None  # "999", "authwall" or "signup": answer every request that way
    block_after: int | None = None  # start blocking only after this many requests (mode: `block` or "999")
    keepalive_timeout: float = 30.0
    # Company boards (Greenhouse, Lever, Ashby): jobs on each, and the share of Ashby jobs that are unlisted.
    board_jobs: int = 40
    unlisted_rate: float = 0.1

    def __post_init__(self) -> None:
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown or not self.fault_kinds:
            raise ValueError(f"fault_kinds must be a non-empty subset of {FAULT_KINDS}, got {self.fault_kinds}")
        if self.block is not None and self.block not in BLOCK_MODES:
            raise ValueError(f"block must be one of {BLOCK_MODES} or None, got {self.block!r}")
        if self.page_size < 1 or not 0 <= self.repeat_cards < max(1, self.page_size // 2):
            raise ValueError("need page_size >= 1 and 0 <= repeat_cards < page_size // 2")
        rates = ("closed_rate", "short_page_rate", "duplicate_card_rate", "missing_fragment_rate", "fault_rate")
        for name in (*rates, "search_fault_rate", "unlisted_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be within [0, 1]")
        if self.fault_attempts < 0 or self.latency < 0 or self.jitter < 0 or self.stall_seconds < 0:
            raise ValueError("fault_attempts, latency, jitter and stall_seconds must not be negative")
        if not 0 <= self.board_jobs <= 10_000:
            raise ValueError(f"board_jobs must be within [0, 10000], got {self.board_jobs}")


@dataclass
class BoardStats:
    """Counters of what the board served; `/_board/*` requests are not counted."""

    requests: int = 0
    by_route: dict[str, int] = field(default_factory=dict)  # search_page, search_api, posting_api, job_view, ...
    by_status: dict[int, int] = field(default_factory=dict)  # replies sent (resets and stalls have none)
    job_fetches: dict[str, int] = field(default_factory=dict)  # requests per job id, both posting routes
    search_starts: dict[int, int] = field(default_factory=dict)  # search API requests per `start`
    in_flight: int = 0
    max_in_flight: int = 0
    in_flight_jobs: int = 0  # posting_api + job_view requests being handled right now
    max_in_flight_jobs: int = 0
    faults: dict[str, int] = field(default_factory=dict)  # faults served, by kind
    csrf_ok: int = 0  # API requests whose Csrf-Token matched a JSESSIONID the board issued
    csrf_bad: int = 0  # API requests with a Csrf-Token the board never issued
    sessions: int = 0  # JSESSIONIDs issued
    rate_limited: int = 0
    blocked: int = 0
    connections: int = 0

    @property
    def faults_total(self) -> int:
        return sum(self.faults.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counters (what `GET /_board/stats` returns)."""
        data = asdict(self)
        data["by_status"] = {str(code): n for code, n in self.by_status.items()}
        data["search_starts"] = {str(start): n for start, n in self.search_starts.items()}
        data["faults_total"] = self.faults_total
        return data


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    target: str
    keep_alive: bool


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = _HTML
    fault: str | None = None  # "reset", "stall" or "truncate": the socket misbehaves


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from its parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _token(*parts: object) -> str:
    """A LinkedIn-looking base64 id (refId, trackingId) from its parts."""
    return base64.b64encode(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:16]).decode()


def generate_postings(
    n: int, seed: int = 0, *, closed_rate: float = 0.1, now: datetime | None = None
) -> list[JobPosting]:
    """N postings across ten occupations with multi-paragraph descriptions; the same seed gives the same postings."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    occupations = list(OCCUPATIONS)
    rng.shuffle(occupations)
    ids: set[int] = set()
    postings = []
    for i in range(n):
        occupation = occupations[i % len(occupations)]
        title, company, location = (
            rng.choice(occupation.titles),
            rng.choice(occupation.companies),
            rng.choice(LOCATIONS),
        )
        job_id = rng.randrange(4_000_000_000, 4_500_000_000)
        while job_id in ids:
            job_id += 1
        ids.add(job_id)
        days = min(int(rng.expovariate(1 / 7)), 45)  # most postings are recent, a few are weeks old
        slug = markup.job_slug(title, company)
        postings.append(
            JobPosting(
                source="linkedin",
                job_id=str(job_id),
                url=f"https://www.linkedin.com/jobs/view/{slug}-{job_id}",
                title=title,
                company=company,
                location=location,
                posted_at=now.date() - timedelta(days),
                description=describe(occupation, title, company, location, rng),
                seniority=seniority_for(title),
                employment_type=rng.choice(EMPLOYMENT_TYPES),
                job_function=occupation.job_function,
                industries=rng.choice(occupation.industries),
                closed=rng.random() < closed_rate,
                fetched_at=now,
            )
        )
    return postings


class Board:
    """The fake board; `await start()` (or `running_in_thread()`) serves it, `postings` is what it serves."""

    def __init__(self, config: BoardConfig | None = None, postings: list[JobPosting] | None = None) -> None:
        self.config = config or BoardConfig()
        cfg = self.config
        self.now = cfg.now or datetime.now(UTC)
        raw = (
            postings
            if postings is not None
            else generate_postings(cfg.count, cfg.seed, closed_rate=cfg.closed_rate, now=self.now)
        )
        self._listings: dict[str, markup.Listing] = {}
        for posting in raw:
            listing = self._listing(posting)
            self._listings[listing.job_id] = listing
        self.postings: list[JobPosting] = [listing.posting for listing in self._listings.values()]
        ids = list(self._listings)
        faulty = [job_id for job_id in ids if _unit(cfg.seed, "fault", job_id) < cfg.fault_rate]
        # Round-robin, so any run with enough faulty ids meets every kind.
        self._faults = {job_id: cfg.fault_kinds[i % len(cfg.fault_kinds)] for i, job_id in enumerate(faulty)}
        missing = [job_id for job_id in ids if _unit(cfg.seed, "missing", job_id) < cfg.missing_fragment_rate]
        self._missing = {job_id: ("404", "empty")[i % 2] for i, job_id in enumerate(missing)}
        self.ats = _ats.AtsBoards(cfg.seed, self.now, cfg.board_jobs, cfg.unlisted_rate)
        self.stats = BoardStats()
        self._attempts: dict[str, int] = {}
        self._sessions: set[str] = set()
        self._session_rng = random.Random(f"{cfg.seed}|session")
        self._latency_rng = random.Random(f"{cfg.seed}|latency")
        self._windows: dict[str, deque[float]] = {}
        self._page_tables: dict[tuple[int | None, str], list[tuple[int, int, int]]] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    # -- postings ---------------------------------------------------------------------------------------------

    def _listing(self, posting: JobPosting) -> markup.Listing:
        seed, job_id = self.config.seed, posting.job_id
        if not job_id.isdigit():
            # Files often carry no LinkedIn id; URLs and the card's urn need a numeric one.
            number = 4_000_000_000 + int(hashlib.sha256(job_id.encode()).hexdigest(), 16) % 500_000_000
            while str(number) in self._listings:
                number += 1
            job_id = str(number)
        today = self.now.date()
        posted = posting.posted_at or today - timedelta(min(int(_unit(seed, "days", job_id) * 28), 27))
        age = max(0, (today - posted).days) * 86400 + (1 + int(_unit(seed, "hour", job_id) * 20)) * 3600
        applicants = (
            "Be among the first 25 applicants",
            "Over 200 applicants",
            f"{26 + int(_unit(seed, 'applicants', job_id) * 170)} applicants",
        )
        slug = markup.job_slug(posting.title, posting.company)
        updated = posting.model_copy(
            update={  # the URL points at the board once it has started
                "job_id": job_id,
                "source": "linkedin",
                "posted_at": posted,
                "url": f"https://www.linkedin.com/jobs/view/{slug}-{job_id}",
            }
        )
        return markup.Listing(
            posting=updated,
            age=age,
            listed=posted,
            style="br" if _unit(seed, "style", job_id) < 0.6 else "p",
            applicants=applicants[int(_unit(seed, "applicants-kind", job_id) * 3)],
            offsite=_unit(seed, "offsite", job_id) < 0.6,
        )

    def add_postings(self, postings: list[JobPosting]) -> list[JobPosting]:
        """List more postings, newest first as boards do (a running board serves them from its next request);
        returns them as the board serves them."""
        added = {}
        for posting in postings:
            listing = self._listing(posting)
            if self.url:
                listing = replace(
                    listing, posting=listing.posting.model_copy(update={"url": markup.view_url(self.url, listing)})
                )
            added[listing.job_id] = listing
        self._listings = {**added, **{k: v for k, v in self._listings.items() if k not in added}}
        self.postings = [listing.posting for listing in self._listings.values()]
        self._page_tables.clear()
        return [listing.posting for listing in added.values()]

    @property
    def faults(self) -> dict[str, str]:
        """Job id -> the fault it gets on its first `fault_attempts` fetches (either posting route)."""
        return dict(self._faults)

    @property
    def missing_fragments(self) -> dict[str, str]:
        """Job id -> "404" or "empty": what its guest API fragment answers; its /jobs/view page works."""
        return dict(self._missing)

    def search_fault(self, start: int) -> str | None:
        """The fault the search API page at `start` gets on its first `fault_attempts` requests, if any."""
        cfg = self.config
        if _unit(cfg.seed, "search-fault", start) >= cfg.search_fault_rate:
            return None
        return cfg.fault_kinds[int(_unit(cfg.seed, "search-kind", start) * len(cfg.fault_kinds))]

    def age_seconds(self, job_id: str) -> int:
        """How long ago the board says the posting was listed (what `f_TPR=r<seconds>` compares with)."""
        return self._listings[job_id].age

    def _listed(self, tpr: int | None, keywords: str) -> list[markup.Listing]:
        listings = [item for item in self._listings.values() if tpr is None or item.age <= tpr]
        words = [w for w in re.findall(r"\w+", keywords.lower()) if len(w) > 1]
        if self.config.filter_keywords and words:
            listings = [
                item
                for item in listings
                if any(w in f"{item.posting.title}\n{item.posting.description}".lower() for w in words)
            ]
        return listings

    def listed(self, tpr: int | None = None, keywords: str = "") -> list[JobPosting]:
        """Every posting a search lists, in order, before paging (each once)."""
        return [item.posting for item in self._listed(tpr, keywords)]

    def _page_table(self, tpr: int | None, keywords: str, total: int) -> list[tuple[int, int, int]]:
        """(start, offset into the listing, cards) of each page a client paging by cards-returned meets."""
        key = (tpr, keywords if self.config.filter_keywords else "")
        if key in self._page_tables:
            return self._page_tables[key]
        cfg, table = self.config, []
        start = offset = index = 0
        while offset < total and (index == 0 or offset + cfg.repeat_cards < total):
            size = cfg.page_size
            low = max(cfg.repeat_cards + 1, cfg.page_size // 2)
            if low < cfg.page_size and _unit(cfg.seed, "short", index) < cfg.short_page_rate:
                size = low + int(_unit(cfg.seed, "short-size", index) * (cfg.page_size - low))
            size = min(size, total - offset + self._duplicates(index))
            table.append((start, offset, size))
            start, offset = start + size, offset + size - self._duplicates(index) - cfg.repeat_cards
            index += 1
        self._page_tables[key] = table
        return table

    def _page(self, start: int, tpr: int | None, keywords: str) -> list[markup.Listing]:
        listed = self._listed(tpr, keywords)
        table = self._page_table(tpr, keywords, len(listed))
        if not table or start >= table[-1][0] + table[-1][2]:
            return []
        for index, (page_start, offset, size) in reversed(list(enumerate(table))):
            if page_start == start:
                page = listed[offset : offset + size - self._duplicates(index)]
                # The repeat takes a position of its own: the page is still `size` cards long.
                return page + page[:1] if self._duplicates(index) else page
            if page_start < start:
                # A start no page begins at (a client stepping by a fixed stride): continue from there.
                offset += start - page_start
                return listed[offset : offset + self.config.page_size]
        return []

    def _duplicates(self, index: int) -> int:
        """1 when the page at `index` shows its first card again as its last, else 0."""
        return int(_unit(self.config.seed, "duplicate", index) < self.config.duplicate_card_rate)

    def page(self, start: int, tpr: int | None = None, keywords: str = "") -> list[JobPosting]:
        """The postings the search API returns for `start`, in card order."""
        return [item.posting for item in self._page(start, tpr, keywords)]

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port); returns the base URL."""
        self._server = await asyncio.start_server(self._connection, host, port, backlog=1024, limit=65536)
        bound = self._server.sockets[0].getsockname()
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{bound[1]}"
        self._listings = {
            job_id: replace(item, posting=item.posting.model_copy(update={"url": markup.view_url(self.url, item)}))
            for job_id, item in self._listings.items()
        }
        self.postings = [item.posting for item in self._listings.values()]
        return self.url

    async def stop(self) -> None:
        """Stop listening and drop every open connection (Python 3.11's server would leave them open)."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Board:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextmanager
    def running_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve from an event loop in a daemon thread, for sync tests and the CLI; yields the base URL."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="jobmatch-board", daemon=True)
        thread.start()
        try:
            yield asyncio.run_coroutine_threadsafe(self.start(host, port), loop).result(timeout=30)
        finally:
            try:
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(timeout=30)
                loop.close()

    def reset_stats(self) -> None:
        """Zero the counters (requests still in flight stay counted); fault attempts are kept, see reset_faults."""
        old = self.stats
        self.stats = BoardStats(
            in_flight=old.in_flight,
            max_in_flight=old.in_flight,
            in_flight_jobs=old.in_flight_jobs,
            max_in_flight_jobs=old.in_flight_jobs,
        )

    def reset_faults(self) -> None:
        """Re-arm every fault, as if no posting had been fetched yet."""
        self._attempts.clear()

    # -- HTTP -----------------------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.connections += 1
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if peer else "?"
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.config.keepalive_timeout)
                except asyncio.LimitOverrunError:
                    await self._write(
                        writer,
                        "GET",
                        _Reply(431, markup.error_page(431, "headers too large").encode()),
                        keep_alive=False,
                    )
                    break
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    break
                request = _parse(head)
                if request is None or "chunked" in (request.headers.get("transfer-encoding") or ""):
                    status = 400 if request is None else 501
                    await self._write(
                        writer,
                        "GET",
                        _Reply(status, markup.error_page(status, "bad request").encode()),
                        keep_alive=False,
                    )
                    break
                length = request.headers.get("content-length", "0")
                if length.isdigit() and int(length):
                    await reader.readexactly(int(length))  # bodies are never used; read them to keep framing
                if not await self._serve(request, writer, client):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels; ending normally keeps 3.11's streams callback from logging the cancellation.
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, request: _Request, writer: asyncio.StreamWriter, client: str) -> bool:
        if request.path.startswith("/_board/"):
            return await self._write(writer, request.method, self._internal(request), request.keep_alive)
        stats = self.stats
        route, job_id = _route(request.path)
        stats.requests += 1
        stats.by_route[route] = stats.by_route.get(route, 0) + 1
        jobs = route in ("posting_api", "job_view")
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        if jobs:
            stats.in_flight_jobs += 1
            stats.max_in_flight_jobs = max(stats.max_in_flight_jobs, stats.in_flight_jobs)
        try:
            reply = self._decide(request, route, job_id, client)
            delay = self.config.latency + self._latency_rng.uniform(-self.config.jitter, self.config.jitter)
            if delay > 0:
                await asyncio.sleep(delay)
            return await self._write(writer, request.method, reply, request.keep_alive)
        finally:
            stats.in_flight -= 1
            if jobs:
                stats.in_flight_jobs -= 1

    async def _write(self, writer: asyncio.StreamWriter, method: str, reply: _Reply, keep_alive: bool) -> bool:
        if reply.fault == "reset":
            sock = writer.get_extra_info("socket")
            if sock is not None:  # linger 0: close() sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if reply.fault == "stall":
            await asyncio.sleep(self.config.stall_seconds)
            return False
        if reply.fault is None:
            self.stats.by_status[reply.status] = self.stats.by_status.get(reply.status, 0) + 1
        keep_alive = keep_alive and reply.fault is None
        lines = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}",
            f"Date: {formatdate(usegmt=True)}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(reply.body)}",
            f"Connection: {'keep-alive' if keep_alive else 'close'}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        body = b"" if method == "HEAD" else reply.body
        if reply.fault == "truncate":
            body = body[: len(body) // 2]  # the Content-Length promised the whole body
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        return keep_alive

    def _internal(self, request: _Request) -> _Reply:
        path = request.path.rstrip("/")
        if path == "/_board/reset" and request.method == "POST":
            self.reset_stats()
            self.reset_faults()
            data: Any = {"ok": True}
        elif request.method not in ("GET", "HEAD"):
            return _Reply(405, markup.error_page(405, "method not allowed").encode())
        elif path == "/_board/stats":
            data = self.stats.to_dict()
        elif path == "/_board/postings":
            data = [posting.model_dump(mode="json") for posting in self.postings]
        elif path == "/_board/faults":
            data = {"faults": self._faults, "missing_fragments": self._missing}
        else:
            return _Reply(404, markup.error_page(404, "no such board route").encode())
        return _Reply(200, json.dumps(data).encode(), content_type="application/json")

    def _decide(self, request: _Request, route: str, job_id: str | None, client: str) -> _Reply:
        """What to answer, decided when the request arrives (latency comes after)."""
        cfg, stats = self.config, self.stats
        if route == "wall":
            kind = "signup" if request.path.startswith("/signup") else "authwall"
            return _Reply(200, markup.wall_page(self.url, kind).encode())
        if request.method not in ("GET", "HEAD"):
            return _Reply(405, markup.error_page(405, "method not allowed").encode())
        blocking = cfg.block is not None if cfg.block_after is None else stats.requests > cfg.block_after
        # Blocking is LinkedIn's answer to scrapers; the company boards' APIs are public and never block.
        if blocking and route not in _ats.ROUTES:
            stats.blocked += 1
            mode = cfg.block or "999"
            if mode == "999":
                return _Reply(999, markup.error_page(999, "Request denied").encode())
            back = quote(self.url + request.target, safe="")
            location = (
                f"{self.url}/authwall?trk=bf&trkInfo=bf&original_referer=&sessionRedirect={back}"
                if mode == "authwall"
                else f"{self.url}/signup/cold-join?source=jobs_registration&session_redirect={back}"
            )
            return _Reply(302, b"", [("Location", location)])
        if cfg.rate_limit is not None:
            now = asyncio.get_running_loop().time()
            window = self._windows.setdefault(client, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= cfg.rate_limit:
                stats.rate_limited += 1
                return _Reply(
                    429, markup.error_page(429, "Too many requests").encode(), [("Retry-After", str(cfg.retry_after))]
                )
            window.append(now)
        if route in ("search_api", "posting_api") and "csrf-token" in request.headers:
            if request.headers["csrf-token"].strip('"') in self._sessions:
                stats.csrf_ok += 1
            else:
                stats.csrf_bad += 1
        if route in _ats.ROUTES:
            return self._company_board(request)
        if route == "search_api":
            return self._search_api(request)
        if route in ("posting_api", "job_view"):
            return self._job(route, job_id or "")
        if route == "search_page":
            return self._search_page(request)
        if route == "index":
            return _Reply(200, markup.index_page(self.url, len(self.postings)).encode())
        return _Reply(404, markup.error_page(404, "Page not found").encode())

    def _fault(self, key: str, kind: str | None) -> str | None:
        if kind is None:
            return None
        attempt = self._attempts[key] = self._attempts.get(key, 0) + 1
        if attempt > self.config.fault_attempts:
            return None
        self.stats.faults[kind] = self.stats.faults.get(kind, 0) + 1
        return kind

    def _fault_reply(self, kind: str, ok: _Reply) -> _Reply:
        if kind in ("reset", "stall", "truncate"):
            return replace(ok, fault=kind)
        headers = [("Retry-After", str(self.config.retry_after))] if kind == "429" else []
        return _Reply(int(kind), markup.error_page(int(kind), f"fault {kind}").encode(), headers)

    def _search_api(self, request: _Request) -> _Reply:
        start_text = request.query.get("start", "0") or "0"
        if not start_text.isdigit() or int(start_text) >= self.config.max_start:
            return _Reply(400, markup.error_page(400, "invalid start").encode())
        start = int(start_text)
        self.stats.search_starts[start] = self.stats.search_starts.get(start, 0) + 1
        keywords = request.query.get("keywords", "")
        listings = self._page(start, _tpr(request.query), keywords)
        ref_id = _token(self.config.seed, "ref", keywords, request.query.get("location", ""), start)
        cards = [
            markup.search_card(
                self.url, item, start + i, i + 1, ref_id, _token(self.config.seed, "tracking", item.job_id, start)
            )
            for i, item in enumerate(listings)
        ]
        # Past the end LinkedIn answers 200 with nothing at all, not even the doctype.
        ok = _Reply(200, markup.search_fragment(cards).encode() if cards else b"")
        kind = self._fault(f"search:{start}", self.search_fault(start))
        return ok if kind is None else self._fault_reply(kind, ok)

    def _job(self, route: str, job_id: str) -> _Reply:
        listing = self._listings.get(job_id)
        if listing is None:
            return _Reply(404, markup.error_page(404, "This job is not available").encode())
        self.stats.job_fetches[job_id] = self.stats.job_fetches.get(job_id, 0) + 1
        if route == "job_view":
            items = list(self._listings.values())
            at = items.index(listing)
            similar = (items[at + 1 :] + items[:at])[:6]  # other postings, never this one
            ok = _Reply(200, markup.job_page(self.url, listing, similar).encode())
        elif job_id in self._missing:
            ok = (
                _Reply(404, markup.error_page(404, "Not found").encode())
                if self._missing[job_id] == "404"
                else _Reply(200, b"")
            )
        else:
            ok = _Reply(200, markup.posting_fragment(self.url, listing).encode())
        kind = self._fault(f"job:{job_id}", self._faults.get(job_id))
        return ok if kind is None else self._fault_reply(kind, ok)

    def _company_board(self, request: _Request) -> _Reply:
        answer = self.ats.answer(request.path, request.query)
        ok = _Reply(answer.status, answer.body, content_type=answer.content_type)
        if answer.fault_key is None or _unit(self.config.seed, "fault", answer.fault_key) >= self.config.fault_rate:
            return ok
        # The boards answer 999 to no one: that kind becomes a 503 here.
        kinds = [kind if kind != "999" else "503" for kind in self.config.fault_kinds]
        kind = kinds[int(_unit(self.config.seed, "kind", answer.fault_key) * len(kinds))]
        applied = self._fault(answer.fault_key, kind)
        return ok if applied is None else self._fault_reply(applied, ok)

    def _search_page(self, request: _Request) -> _Reply:
        keywords, location = request.query.get("keywords", ""), request.query.get("location", "")
        ref_id = _token(self.config.seed, "ref-page", keywords, location)
        cards = [
            markup.search_card(self.url, item, i, i + 1, ref_id, _token(self.config.seed, "t", item.job_id))
            for i, item in enumerate(self._page(0, _tpr(request.query), keywords))
        ]
        headers: list[tuple[str, str]] = []
        current = _cookies(request.headers.get("cookie", "")).get("JSESSIONID", "").strip('"')
        if current not in self._sessions:
            session = f"ajax:{self._session_rng.randrange(10**18, 10**19)}"
            self._sessions.add(session)
            self.stats.sessions += 1
            # Like LinkedIn's, minus Domain and Secure, which would stop a client sending it back to loopback.
            headers.append(("Set-Cookie", f'JSESSIONID="{session}"; Path=/; SameSite=Lax'))
        bcookie = _token(self.config.seed, "bcookie", self.stats.sessions)
        headers += [
            ("Set-Cookie", f'bcookie="v=2&{bcookie}"; Path=/; Max-Age=31536000; SameSite=Lax'),
            ("Set-Cookie", "lang=v=2&lang=en-us; Path=/; SameSite=Lax"),
        ]
        return _Reply(200, markup.search_page(self.url, cards, keywords, location).encode(), headers)


def _parse(head: bytes) -> _Request | None:
    """The request line and headers, or None when they are not HTTP/1.x."""
    try:
        text = head.decode("latin-1")
        request_line, *header_lines = text.split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError:
        return None
    if not version.startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in header_lines:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                return None
            headers[name.strip().lower()] = value.strip()
    parts = urlsplit(target)
    query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return _Request(method.upper(), parts.path or "/", query, headers, target, keep_alive)


def _route(path: str) -> tuple[str, str | None]:
    """The route name of a path, and the job id when it has one."""
    if path.rstrip("/") == _SEARCH_API:
        return "search_api", None
    if match := _POSTING_API.match(path):
        return ("posting_api", match[1]) if match[1].isdigit() else ("not_found", None)
    if match := _JOB_VIEW.match(path):
        return "job_view", match[1]
    if path.rstrip("/") == "/jobs/search":
        return "search_page", None
    if path in ("/authwall", "/signup/cold-join"):
        return "wall", None
    if route := _ats.route_of(path)[0]:
        return route, None
    return ("index", None) if path == "/" else ("not_found", None)


def _tpr(query: dict[str, str]) -> int | None:
    match = _TPR.match(query.get("f_TPR", ""))
    return int(match[1]) if match else None


def _cookies(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return {name: value for name, _, value in pairs if name}


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    config: BoardConfig | None = None,
    jobs_file: Path | None = None,
    count: int = 50,
) -> None:
    """Serve until Ctrl-C: postings from `jobs_file`, else `count` generated ones; prints the URL first."""
    config = replace(config or BoardConfig(), count=count)
    board = Board(config, load_postings(jobs_file) if jobs_file is not None else None)

    async def run() -> None:
        url = await board.start(host, port)
        print(f"jobmatch fake LinkedIn board: {len(board.postings)} postings at {url}", flush=True)
        print(f"point jobmatch at it with JOBMATCH_LINKEDIN_URL={url} ; Ctrl-C stops it", flush=True)
        print(
            f"it serves every Greenhouse, Lever and Ashby board too (JOBMATCH_GREENHOUSE_URL, JOBMATCH_LEVER_URL, "
            f"JOBMATCH_ASHBY_URL={url}); boards named missing* answer 404",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await board.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("board stopped", flush=True)
