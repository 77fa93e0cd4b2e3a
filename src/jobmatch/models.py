"""The pydantic types every part of jobmatch speaks: searches, postings, executions, matches."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

RankedAgainst = Literal["resume", "query"]

# The source a search names to read every board on its caller's watchlist.
WATCHLIST = "watchlist"
# Sources one search may read: 50 company boards at the default politeness is a few minutes of listing.
MAX_SOURCES = 50


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


class SearchQuery(BaseModel):
    """What a job seeker asks for; field names match the original API's JSON body."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=200, description="Job title or keywords.")
    location: str = Field("", max_length=200)
    pages: int = Field(1, ge=1, le=100, description="Search result pages to read (about 10 postings each).")
    post_time: float = Field(1, gt=0, le=365, description="Only postings listed within this many days.")
    word_scores: dict[str, float] = Field(
        default_factory=dict,
        description="Term or phrase -> multiplier in (0, 10], applied once when the posting contains it.",
    )
    company_blocklist: list[str] = Field(default_factory=list)
    title_blocklist: list[str] = Field(default_factory=list)
    top_n: int = Field(25, ge=1, le=1000)
    sources: list[str] = Field(
        default_factory=lambda: ["linkedin"],
        min_length=1,
        description=(
            f"Boards to read, at most {MAX_SOURCES}: linkedin, greenhouse:<board_token>, lever:<site>, "
            f"lever:eu:<site>, ashby:<board_name>, or {WATCHLIST!r} for every board on the caller's watchlist. "
            "Repeats are read once."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        # The original body named one board as `source`; stored searches of earlier versions still do.
        if isinstance(data, dict) and "source" in data:
            data = dict(data)
            source = data.pop("source")
            data.setdefault("sources", [source] if isinstance(source, str) else source)
        return data

    @field_validator("sources")
    @classmethod
    def _check_sources(cls, value: list[str]) -> list[str]:
        from jobmatch.sources import UnknownSourceError, check_source_name  # the sources import these models

        try:
            names = [WATCHLIST if name.strip().lower() == WATCHLIST else check_source_name(name) for name in value]
        except UnknownSourceError as exc:
            listed = "use one of:" in str(exc)  # a list of the accepted forms: the watchlist is one more
            raise ValueError(f"{exc}, or {WATCHLIST} (every board on your watchlist)" if listed else str(exc)) from None
        unique = list(dict.fromkeys(names))
        if len(unique) > MAX_SOURCES:
            raise ValueError(f"at most {MAX_SOURCES} sources in one search, got {len(unique)}")
        return unique

    @field_validator("query", "location")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = " ".join(value.split())
        return value

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("word_scores")
    @classmethod
    def _check_weights(cls, value: dict[str, float]) -> dict[str, float]:
        for term, weight in value.items():
            if not term.strip():
                raise ValueError("terms must not be blank")
            if not 0 < weight <= 10:
                raise ValueError(f"weight of {term!r} must be in (0, 10], got {weight}")
        return {" ".join(term.split()): weight for term, weight in value.items()}

    @property
    def search_pages(self) -> int:
        """Result pages the search asks for: `pages` when it reads a search board (LinkedIn), none for company
        boards alone (they are read whole)."""
        from jobmatch.sources import whole_board

        return self.pages if any(name != WATCHLIST and not whole_board(name) for name in self.sources) else 0

    @property
    def post_time_seconds(self) -> int:
        return max(1, round(self.post_time * 86400))


class WorkplaceType(StrEnum):
    """Where the work is done, as the boards that say so put it."""

    REMOTE = "remote"
    HYBRID = "hybrid"
    ONSITE = "on-site"


class JobRef(BaseModel):
    """A posting as a search result card lists it."""

    source: str
    job_id: str
    url: str
    title: str = ""
    company: str = ""
    location: str = ""
    posted_at: date | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.job_id)


class JobPosting(JobRef):
    """A fetched posting: the card's fields plus the posting page's."""

    description: str = Field("", description="Plain text; paragraphs and bullets on lines of their own.")
    seniority: str | None = None
    employment_type: str | None = None
    job_function: str | None = None
    industries: str | None = None
    apply_url: str | None = None
    department: str | None = None
    workplace_type: WorkplaceType | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = Field(None, description="ISO 4217 code, e.g. USD.")
    salary_interval: str | None = Field(None, description="What the salary range is per: year, month, week, day, hour.")
    closed: bool = False
    fetched_at: datetime = Field(default_factory=utcnow)


class ExecutionStatus(StrEnum):
    """Status names as AWS Step Functions spells them, so clients of the original API understand them."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"

    @property
    def finished(self) -> bool:
        return self is not ExecutionStatus.RUNNING


class ListingOutcome(StrEnum):
    """How a posting a search listed ended, as stored; each end but LISTED has its counter in `Counts`."""

    LISTED = "listed"
    FETCHED = "fetched"
    CACHED = "cached"
    FAILED = "failed"

    @property
    def counter(self) -> str:
        """The `Counts` field this outcome adds one to."""
        if self is ListingOutcome.LISTED:
            raise ValueError("a listing still LISTED has not ended: it counts as listed when added")
        return self.value


class Counts(BaseModel):
    """Live counters of a search; `listed` = `settled` (`fetched` + `cached` + `failed`) once it has ended."""

    pages: int = 0
    listed: int = 0
    fetched: int = 0
    cached: int = 0
    failed: int = 0
    closed: int = 0
    filtered: int = 0
    retries: int = Field(0, description="Requests to the boards that were tried again (throttled, failed, timed out).")
    pages_failed: int = Field(0, description="Search pages that could not be read, even after retries.")
    sources_failed: int = Field(0, description="Boards of the search that could not be read at all.")

    @computed_field(description="Listed postings that have ended: fetched + cached + failed.")  # type: ignore[prop-decorator]
    @property
    def settled(self) -> int:
        """Listed postings that have ended: stored (fetched or cached) or failed."""
        return self.fetched + self.cached + self.failed


class SourceCounts(BaseModel):
    """What one source of a search gave: postings listed, and how they ended so far."""

    listed: int = 0
    fetched: int = 0
    cached: int = 0
    failed: int = 0


class Failure(BaseModel):
    """A listed posting that could not be stored, and why."""

    source: str
    job_id: str
    reason: str


class Execution(BaseModel):
    """One run of a search, from submission to its end."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    query: SearchQuery
    status: ExecutionStatus = ExecutionStatus.RUNNING
    owner: str | None = Field(None, description="The API key that started it; None for the command line's own.")
    resume_id: str | None = Field(None, description="The stored resume it ranks against; None: the query text.")
    runner: str | None = Field(None, description="The runner process that holds it, while its lease lasts.")
    heartbeat_at: datetime | None = Field(None, description="When its runner last said it is alive.")
    counts: Counts = Field(default_factory=Counts)
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


# What a posting tells beyond its card, carried as is into its Match.
POSTING_DETAILS = frozenset(
    {
        "salary_min",
        "salary_max",
        "salary_currency",
        "salary_interval",
        "workplace_type",
        "employment_type",
        "department",
        "apply_url",
    }
)


class PostingState(StrEnum):
    """What a job seeker has done with a posting."""

    SAVED = "saved"
    APPLIED = "applied"
    DISMISSED = "dismissed"


class Match(BaseModel):
    """A ranked posting with the evidence behind its score."""

    rank: int
    source: str
    job_id: str
    url: str
    title: str
    company: str
    location: str
    posted_at: date | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = Field(None, description="ISO 4217 code, e.g. USD.")
    salary_interval: str | None = Field(None, description="What the salary range is per: year, month, week, day, hour.")
    workplace_type: WorkplaceType | None = None
    employment_type: str | None = None
    department: str | None = None
    apply_url: str | None = None
    score: float = Field(description="Adjusted score: raw score times the weights that fired.")
    raw_score: float
    similarity: float = 0.0
    fired_weights: dict[str, float] = Field(default_factory=dict)
    matched_keywords: list[str] = Field(default_factory=list)
    missing_keywords: list[str] = Field(default_factory=list)
    duplicates: list[str] = Field(default_factory=list, description="Job ids of reposts folded into this match.")
    also_at: list[str] = Field(
        default_factory=list, description="Links to the same job on other boards, folded into this match."
    )
    closed: bool = False
    status: PostingState | None = Field(None, description="What the job seeker did with it: saved, applied, dismissed.")

    @property
    def salary(self) -> str:
        """The pay range in words ("USD 120,000–150,000 per year"), or "" when the board gave none."""
        values = [value for value in (self.salary_min, self.salary_max) if value is not None]
        amounts = [f"{value:,.0f}" if value >= 100 else f"{value:,.2f}" for value in values]
        if not amounts:
            return ""
        span = "–".join(dict.fromkeys(amounts))
        currency = f"{self.salary_currency} " if self.salary_currency else ""
        per = f" per {self.salary_interval}" if self.salary_interval else ""
        return f"{currency}{span}{per}"

    @property
    def id(self) -> str:
        return self.job_id


class Outcome(BaseModel):
    """Whether an ended search got all it asked for, and if not, what it missed: one line a person can read each."""

    complete: bool = Field(
        description="True only when the search succeeded and nothing it found or asked for was lost."
    )
    shortfalls: list[str] = Field(default_factory=list, description="Why it is not complete.")


class SearchReport(BaseModel):
    """What a finished search (or a ranking of a file) gives back: the matches, and what happened to the rest."""

    execution_id: str | None = None
    status: ExecutionStatus | None = None
    error: str | None = None
    outcome: Outcome | None = Field(None, description="Set once the search has ended.")
    query: SearchQuery | None = None
    counts: Counts | None = None
    by_source: dict[str, SourceCounts] = Field(default_factory=dict, description="The counts of each source.")
    failures: list[Failure] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    ranked_against: RankedAgainst = Field("resume", description="'resume', or 'query' when no resume was given.")
    matches: list[Match] = Field(default_factory=list)


# Saved searches ("watches")


class Watch(BaseModel):
    """A saved search of one API key, run on a schedule; `next_run_at` is the store's claim on its next run."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    owner: str = Field(description="The API key that owns it (`local` for the command line's own).")
    name: str = Field(min_length=1, max_length=100)
    query: SearchQuery
    resume_id: str | None = Field(None, description="The stored resume its runs rank against; None: the query.")
    schedule: str = Field(description="An interval such as 1d, 12h, 90m, or a five-field cron expression (UTC).")
    min_score: float = Field(0.0, ge=0, description="Matches scoring below this are never reported as new.")
    notify: list[str] = Field(default_factory=list, description="Apprise URLs told about each run with news.")
    next_run_at: datetime
    feed_token: str = Field(description="The secret in the watch's feed URL; rotating it revokes the old URL.")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be blank")
        return value


class NotifyStatus(StrEnum):
    """Whether a run's news reached its channels."""

    NONE = "none"  # nothing new, or no channel: nothing was sent
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class WatchRun(BaseModel):
    """One run of a watch: the search it started and, once reported, what was new in it."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    watch_id: str
    execution_id: str
    due_at: datetime = Field(description="The due time it ran for (when it was run by hand: when asked).")
    started_at: datetime = Field(default_factory=utcnow)
    reported: bool = Field(False, description="Its search has ended and its news has been worked out.")
    new_count: int | None = None
    new: list[str] = Field(default_factory=list, description="`source:job_id` of the matches new in this run.")
    notify_status: NotifyStatus = NotifyStatus.NONE
    notify_error: str | None = None
    notify_attempts: int = 0
    reported_at: datetime | None = None


class Reported(BaseModel):
    """A posting a watch has reported, with what tells its reposts apart."""

    watch_id: str
    source: str
    job_id: str
    fingerprint: str = Field(description="Company and title, normalised and hashed: a repost's are the same.")
    reported_at: datetime = Field(default_factory=utcnow)
    repost_of: str | None = Field(None, description="`source:job_id` of the reported posting this one reposts.")


class PostingStatus(BaseModel):
    """One key's mark on one posting."""

    api_key_id: str
    source: str
    job_id: str
    status: PostingState
    updated_at: datetime = Field(default_factory=utcnow)
