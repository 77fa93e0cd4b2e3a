"""What the routes do: keys, resumes, searches and their reports, each key seeing only its own."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict, deque
from pathlib import PurePath
from typing import Generic, TypeVar

from pydantic import ValidationError

from jobmatch import apikeys
from jobmatch.api.schemas import (
    BoardView,
    ExecutionRef,
    JobscrapeOutput,
    JobscrapeStatus,
    LambdaPayload,
    Progress,
    ResumeView,
    SearchLinks,
    SearchRequest,
    SearchView,
    Watchlist,
)
from jobmatch.config import Settings
from jobmatch.models import Execution, ExecutionStatus, RankedAgainst, SearchQuery, SearchReport
from jobmatch.pipeline import (
    EmptyWatchlistError,
    Runner,
    RunnerUnavailable,
    by_source,
    load_report,
    outcome,
    resolve_watchlist,
)
from jobmatch.report import ReportFormat, render, render_html
from jobmatch.store import ApiKey, Resume, Store, WatchedBoard, WatchlistError, unwatch, watch

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")

RESUME_SUFFIXES = frozenset({".pdf", ".docx", ".txt", ".md", ".markdown", ".text"})
RESUME_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
        "text/markdown",
    }
)


class ApiError(Exception):
    """An error a client caused (or may retry), with its HTTP status and a one-sentence reason."""

    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class TooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class Unprocessable(ApiError):
    status = 422


class TooMany(ApiError):
    """A limit was reached; `retry_after` (seconds) says when trying again may work."""

    status = 429

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(ApiError):
    status = 503


class SearchService:
    """The service behind the routes; every method taking a key acts only on what that key owns."""

    def __init__(self, settings: Settings, store: Store, runner: Runner):
        self.settings = settings
        self._store = store
        self._runner = runner
        # Count-then-submit must not interleave, or two submissions could both pass a key's limit.
        self._submit_lock = threading.Lock()
        # Facts that never change once stored, read on every poll: a key (keys are never edited), and the whole
        # answer about an execution that has ended (with its owner, checked on every read).
        self._keys: Lru[str, ApiKey] = Lru(1024, ttl=settings.api_key_cache_seconds)
        self._requests = RateWindow(settings.api_requests_per_minute)
        self._ended_answers: Lru[str, tuple[str | None, bytes]] = Lru(256)

    # Keys

    def authenticate(self, raw_key: str | None) -> ApiKey | None:
        """The key's record, or None when `raw_key` is missing or no key (unknown keys are not remembered)."""
        if not raw_key:
            return None
        key_hash = apikeys.hash_key(raw_key)
        key = self._keys.get(key_hash)
        if key is None:
            key = self._store.api_key_by_hash(key_hash)
            if key is not None:
                self._keys.put(key_hash, key)
        return key

    def count_request(self, key: ApiKey) -> None:
        """Count one request of the key against its per-minute allowance; 429 past it."""
        wait = self._requests.hit(key.id)
        if wait is not None:
            limit = self.settings.api_requests_per_minute
            raise TooMany(
                f"this key made {limit} requests in the last minute (JOBMATCH_API_REQUESTS_PER_MINUTE); slow down",
                retry_after=max(1, math.ceil(wait)),
            )

    # Resumes

    def upload_resume(self, key: ApiKey, filename: str, content_type: str, data: bytes) -> ResumeView:
        """Read an uploaded resume into text and keep it for the key's searches."""
        from jobmatch.ranking import ResumeBusy, ResumeError, ResumeTooLarge, read_resume

        kept = self.settings.api_max_resumes_per_key
        if kept and len(self._store.list_resumes(key.id)) >= kept:
            raise Conflict(
                f"this key keeps {kept} resumes already (JOBMATCH_API_MAX_RESUMES_PER_KEY); delete one first"
                " (DELETE /v1/resumes/{id})"
            )
        name = _clean_filename(filename)
        suffix = PurePath(name).suffix.lower()
        media = content_type.split(";")[0].strip().lower()
        if suffix not in RESUME_SUFFIXES and not (suffix == "" and media in RESUME_MEDIA_TYPES):
            raise UnsupportedMediaType(
                f"file: unsupported resume type {suffix or media or '(none)'}; upload a PDF, DOCX or .txt file"
            )
        limit = self.settings.api_max_resume_bytes
        if len(data) > limit:
            raise TooLarge(f"file: {len(data)} bytes is over the {limit} byte limit for a resume")
        # Read in a child process, within the JOBMATCH_RESUME_* caps: a crafted file cannot stall the server.
        try:
            text = read_resume(data, name, self.settings)
        except ResumeTooLarge as exc:
            raise TooLarge(f"file: {exc}") from None
        except ResumeBusy as exc:
            raise Unavailable(f"file: {exc}") from None
        except ResumeError as exc:
            raise Unprocessable(f"file: {exc}") from None
        resume = Resume(api_key_id=key.id, filename=name, size=len(data), text=text)
        self._store.save_resume(resume)
        return _resume_view(resume)

    def list_resumes(self, key: ApiKey) -> list[ResumeView]:
        return [_resume_view(resume) for resume in self._store.list_resumes(key.id)]

    # Searches

    def submit(self, key: ApiKey, request: SearchRequest) -> Execution:
        """Start a search for the key against its chosen resume, its latest one, or (having none) the query."""
        values = request.model_dump(exclude={"resume_id"})
        if "top_n" not in request.model_fields_set:
            values["top_n"] = self.settings.top_n
        query = self._with_watchlist(SearchQuery.model_validate(values), key)
        resume = self._resume_for(key, request.resume_id)
        limit = key.max_running if key.max_running is not None else self.settings.api_max_running_per_key
        with self._submit_lock:
            retry_after = self.settings.api_busy_retry_after
            if limit and self._store.count_running(key.id) >= limit:
                raise TooMany(f"this key already runs {limit} search(es) at once; wait for one to end", retry_after)
            total = self.settings.api_max_running_total
            if total and len(self._store.running_executions()) >= total:
                raise TooMany(
                    f"the service already runs {total} searches at once (JOBMATCH_API_MAX_RUNNING_TOTAL); try again"
                    " shortly",
                    retry_after,
                )
            try:
                return self._runner.submit(
                    Execution(query=query, owner=key.id, resume_id=resume.id if resume else None)
                )
            except RunnerUnavailable as exc:
                log.error("cannot start a search: %s", exc)
                raise Unavailable("the search runner is not available; try again shortly") from None

    def submit_jobscrape(self, key: ApiKey, request: SearchRequest) -> ExecutionRef:
        execution = self.submit(key, request)
        return ExecutionRef(
            request_id=execution.id,
            executionArn=self.arn(execution.id),
            ranked_against=_ranked_against(execution),
            resume_id=execution.resume_id,
        )

    def search_view(self, key: ApiKey, execution_id: str) -> SearchView:
        execution = self._owned(key, execution_id)
        report = self._report(execution.id) if execution.status.finished else None
        failures = report.failures if report else self._store.failures(execution.id)
        base = f"/v1/searches/{execution.id}"
        return SearchView(
            id=execution.id,
            status=execution.status,
            query=execution.query,
            progress=self._progress(execution),
            error=execution.error,
            outcome=outcome(execution),
            ranked_against=_ranked_against(execution),
            resume_id=execution.resume_id,
            created_at=execution.created_at,
            updated_at=execution.updated_at,
            finished_at=execution.finished_at,
            matches=report.matches if report and execution.status is ExecutionStatus.SUCCEEDED else None,
            failures=failures,
            notes=report.notes if report else [],
            links=SearchLinks(
                self=base,
                report_html=f"{base}/report.html",
                report_csv=f"{base}/report.csv",
                report_json=f"{base}/report.json",
            ),
        )

    def jobscrape_status_json(self, key: ApiKey, execution_arn: str) -> bytes:
        """The poll answer as JSON; an ended search's is built once (it holds the whole report) and then reused."""
        execution_id = self.execution_id(execution_arn)
        cached = self._ended_answers.get(execution_id)
        if cached is not None:
            owner, body = cached
            if owner != key.id:
                raise NotFound(f"no search {execution_id!r} for this API key")
            return body
        execution = self._owned(key, execution_id)
        body = self._jobscrape_status(execution).model_dump_json().encode()
        if execution.status.finished:
            self._ended_answers.put(execution_id, (execution.owner, body))
        return body

    def _jobscrape_status(self, execution: Execution) -> JobscrapeStatus:
        output = None
        if execution.status is ExecutionStatus.SUCCEEDED:
            report = self._report(execution.id)
            html = render_html(report)
            output = JobscrapeOutput(
                request_id=execution.id,
                ranked_against=report.ranked_against,
                resume_id=execution.resume_id,
                matches=report.matches,
                counts=report.counts or execution.counts,
                failures=report.failures,
                notes=report.notes,
                Payload=LambdaPayload(body=html),
            )
        return JobscrapeStatus(
            executionArn=self.arn(execution.id),
            status=execution.status,
            progress=self._progress(execution),
            error=execution.error,
            outcome=outcome(execution),
            output=output,
        )

    def abort(self, key: ApiKey, execution_id: str) -> SearchView:
        """Stop a running search; it ends ABORTED. A search that has already ended is a conflict."""
        execution = self._owned(key, execution_id)
        if execution.status.finished:
            raise Conflict(f"search {execution.id} has already ended ({execution.status.value})")
        self._runner.abort(execution.id)
        self._wait_until_ended(execution.id)
        return self.search_view(key, execution.id)

    def delete_search(self, key: ApiKey, execution_id: str) -> None:
        """Erase a search and its results (stopping it first if it runs)."""
        execution = self._owned(key, execution_id)
        self._erase_search(execution)

    def delete_resume(self, key: ApiKey, resume_id: str) -> None:
        resume = self._store.get_resume(resume_id)
        if resume is None or resume.api_key_id != key.id:
            raise NotFound(f"no resume {resume_id!r} for this API key")
        self._store.delete_resume(resume_id)

    def revoke_key(self, key: ApiKey, *, erase: bool) -> None:
        """Revoke the caller's key; with `erase`, first delete every search, result and resume it owns."""
        if erase:
            for execution_id in self._store.owned_executions(key.id):
                execution = self._store.get_execution(execution_id)
                if execution is not None:
                    self._erase_search(execution)
            for resume in self._store.list_resumes(key.id):
                self._store.delete_resume(resume.id)
        self._store.delete_api_key(key.id)
        self._keys.clear()

    def _erase_search(self, execution: Execution) -> None:
        if not execution.status.finished:
            self._runner.abort(execution.id)
            self._wait_until_ended(execution.id)
        self._store.delete_execution(execution.id)
        self._ended_answers.discard(execution.id)

    def report(self, key: ApiKey, execution_id: str, fmt: ReportFormat) -> str:
        """The search's report so far (its status says whether it has ended) in `fmt`."""
        execution = self._owned(key, execution_id)
        return render(self._report(execution.id), fmt)

    # Watchlists

    def watchlist(self, key: ApiKey) -> Watchlist:
        return Watchlist(boards=[_board_view(board) for board in self._store.watchlist(key.id)])

    def watch_board(self, key: ApiKey, source: str) -> tuple[BoardView, bool]:
        """Put a company board on the key's watchlist; (the board, whether it was added now)."""
        try:
            board, added = watch(self._store, key.id, source)
        except WatchlistError as exc:
            raise Unprocessable(f"source: {exc}") from None
        return _board_view(board), added

    def unwatch_board(self, key: ApiKey, source: str) -> None:
        if not unwatch(self._store, key.id, source):
            raise NotFound(f"no board {source!r} on this key's watchlist")

    # Ids

    def arn(self, execution_id: str) -> str:
        return self.settings.api_arn_prefix + execution_id

    @staticmethod
    def execution_id(execution_arn: str) -> str:
        """The execution id in an ARN (its last `:` part), or the bare id itself."""
        return execution_arn.strip().rsplit(":", 1)[-1]

    # Helpers

    def _with_watchlist(self, query: SearchQuery, key: ApiKey) -> SearchQuery:
        try:
            return resolve_watchlist(query, self._store, key.id)
        except EmptyWatchlistError as exc:
            raise Unprocessable(str(exc)) from None
        except ValidationError as exc:
            raise Unprocessable("; ".join(f"sources: {error['msg']}" for error in exc.errors())) from None

    def _progress(self, execution: Execution) -> Progress:
        counts = execution.counts
        return Progress(
            **counts.model_dump(exclude={"settled"}),
            pages_requested=execution.query.search_pages,
            by_source=by_source(self._store, execution),
        )

    def _owned(self, key: ApiKey, execution_id: str) -> Execution:
        execution = self._store.get_execution(execution_id) if execution_id else None
        # One answer for "no such search" and "another key's search": ids must not leak across keys.
        if execution is None or execution.owner != key.id:
            raise NotFound(f"no search {execution_id!r} for this API key")
        # An engine may know of an end the store has not seen yet (a Lambda that died).
        return self._runner.refresh(execution)

    def _resume_for(self, key: ApiKey, resume_id: str | None) -> Resume | None:
        if resume_id is None:
            return self._store.latest_resume(key.id)
        resume = self._store.get_resume(resume_id)
        if resume is None or resume.api_key_id != key.id:
            raise NotFound(f"resume_id: no resume {resume_id!r} for this API key")
        return resume

    def _report(self, execution_id: str) -> SearchReport:
        """The search's report, each match carrying its owner's mark on it (on the posting or a repost it folded)."""
        report = load_report(self._store, execution_id)
        assert report is not None  # _owned found the execution
        execution = self._store.get_execution(execution_id)
        if execution is None or execution.owner is None or not report.matches:
            return report
        marks = {(mark.source, mark.job_id): mark.status for mark in self._store.posting_statuses(execution.owner)}
        if not marks:
            return report
        for match in report.matches:
            keys = [(match.source, match.job_id), *((match.source, job_id) for job_id in match.duplicates)]
            match.status = next((marks[key] for key in keys if key in marks), None)
        return report

    def _wait_until_ended(self, execution_id: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self._store.get_execution(execution_id)
            if execution is None or execution.status.finished:
                return
            time.sleep(0.02)


class Lru(Generic[K, V]):
    """A bounded, thread-safe map that forgets the least recently used entry first, and (given `ttl`) any entry
    older than `ttl` seconds."""

    def __init__(self, size: int, ttl: float | None = None):
        self._size = size
        self._ttl = ttl
        self._data: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            value, stored_at = entry
            if self._ttl is not None and time.monotonic() - stored_at > self._ttl:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def discard(self, key: K) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic())
            self._data.move_to_end(key)
            if len(self._data) > self._size:
                self._data.popitem(last=False)


class RateWindow:
    """At most `limit` hits per key in any `window` seconds (a sliding window); thread-safe."""

    def __init__(self, limit: int, window: float = 60.0):
        self._limit = limit
        self._window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count a hit; None when allowed, else the seconds until one would be."""
        if not self._limit:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self._window:
                hits.popleft()
            if len(hits) >= self._limit:
                return self._window - (now - hits[0])
            hits.append(now)
            return None


def _board_view(board: WatchedBoard) -> BoardView:
    return BoardView(source=board.source, added_at=board.added_at)


def _ranked_against(execution: Execution) -> RankedAgainst:
    return "resume" if execution.resume_id else "query"


def _resume_view(resume: Resume) -> ResumeView:
    return ResumeView(
        id=resume.id, filename=resume.filename, size=resume.size, chars=len(resume.text), created_at=resume.created_at
    )


def _clean_filename(filename: str) -> str:
    # Only the name is kept (no client paths), as text that can always be written back out.
    name = PurePath(filename.replace("\\", "/")).name.strip() or "resume"
    return name.encode("utf-8", "replace").decode("utf-8")[:200]
