"""What the HTTP API accepts and answers, as pydantic models (and so as the OpenAPI schema at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobmatch.models import (
    MAX_SOURCES,
    WATCHLIST,
    Counts,
    ExecutionStatus,
    Failure,
    Match,
    Outcome,
    RankedAgainst,
    SearchQuery,
    SourceCounts,
)


def _encodable(value: Any) -> Any:
    # JSON may carry lone surrogates ("\ud800"); they cannot be written back out as UTF-8, so refuse them here.
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _encodable(key)
            _encodable(item)
    elif isinstance(value, list):
        for item in value:
            _encodable(item)
    return value


# A company board's source name, as the schema states it (the server also takes any case and spaces around it).
_BOARD_SOURCE = r"(greenhouse|lever|lever:eu|ashby):[A-Za-z0-9_.-]*[A-Za-z0-9][A-Za-z0-9_.-]*"


class SearchRequest(SearchQuery):
    """A search to run: the original API's body, plus an optional resume, blocklists and how many matches to keep.

    Strict: a number must be a JSON number and a flag a JSON boolean (`"pages": true` or `"pages": "3"` is a 422, not
    1 or 3); an integer is still a fine `post_time`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # SearchQuery's validators enforce these rules with readable messages; restated so the OpenAPI schema shows them.
    query: str = Field(
        min_length=1, max_length=200, description="Job title or keywords.", json_schema_extra={"pattern": r"\S"}
    )
    word_scores: dict[str, float] = Field(
        default_factory=dict,
        description="Term or phrase -> multiplier in (0, 10], applied once when the posting contains it.",
        json_schema_extra={
            "propertyNames": {"pattern": r"\S"},
            "additionalProperties": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
        },
    )
    sources: list[str] = Field(
        default_factory=lambda: ["linkedin"],
        min_length=1,
        description=SearchQuery.model_fields["sources"].description,
        json_schema_extra={
            "maxItems": MAX_SOURCES,
            "items": {"type": "string", "pattern": rf"^(linkedin|{WATCHLIST}|{_BOARD_SOURCE})$", "maxLength": 106},
        },
    )
    resume_id: str | None = Field(
        None,
        max_length=64,
        description="A resume this key uploaded; omitted: the key's most recent resume, else the query text.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        return _encodable(value)


class ExecutionRef(BaseModel):
    """The original API's answer to a submission: ids to poll with."""

    request_id: str = Field(description="The execution id.")
    executionArn: str = Field(description="What GET /jobscrape takes back (the bare id works too).")
    ranked_against: RankedAgainst = Field(description="Whether the search ranks against a resume or the query.")
    resume_id: str | None = None


class ExecutionQuery(BaseModel):
    """The original client's GET body."""

    model_config = ConfigDict(extra="ignore")

    executionArn: str = Field(min_length=1, max_length=300)

    @field_validator("executionArn", mode="before")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        return _encodable(value)


class Progress(Counts):
    """Live counters: pages read of those asked for, and postings listed, fetched, cached, failed."""

    pages_requested: int = Field(
        description="Search pages the search asked for (a board may have fewer; 0 when it reads company boards only)."
    )
    by_source: dict[str, SourceCounts] = Field(
        default_factory=dict, description="Each source's postings listed, fetched, cached and failed so far."
    )


class LambdaPayload(BaseModel):
    """Where the original client reads the HTML report: `output.Payload.body`."""

    statusCode: int = 200
    body: str = Field(description="The HTML report.")


class JobscrapeOutput(BaseModel):
    """A succeeded search's output: ranked matches, what happened to every posting, and the HTML report."""

    request_id: str
    ranked_against: RankedAgainst
    resume_id: str | None = None
    matches: list[Match]
    counts: Counts
    failures: list[Failure]
    notes: list[str]
    Payload: LambdaPayload


class JobscrapeStatus(BaseModel):
    """The original API's poll answer, with Step Functions' status names."""

    executionArn: str
    status: ExecutionStatus
    progress: Progress
    error: str | None = Field(None, description="Why the search did not succeed.")
    outcome: Outcome | None = Field(None, description="Once ended: whether it got all it asked for, and what not.")
    output: JobscrapeOutput | None = Field(None, description="Set once status is SUCCEEDED.")


class SearchLinks(BaseModel):
    self: str
    report_html: str
    report_csv: str
    report_json: str


class SearchView(BaseModel):
    """A search as the resource API shows it."""

    id: str
    status: ExecutionStatus
    query: SearchQuery
    progress: Progress
    error: str | None = None
    outcome: Outcome | None = Field(None, description="Once ended: whether it got all it asked for, and what not.")
    ranked_against: RankedAgainst
    resume_id: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    matches: list[Match] | None = Field(None, description="Set once status is SUCCEEDED.")
    failures: list[Failure] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    links: SearchLinks


class ResumeView(BaseModel):
    """An uploaded resume; its text stays on the server."""

    id: str
    filename: str
    size: int = Field(description="Bytes uploaded.")
    chars: int = Field(description="Characters of text read from it.")
    created_at: datetime


class BoardRequest(BaseModel):
    """A company board to put on the key's watchlist."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1,
        max_length=200,
        description="greenhouse:<board_token>, lever:<site>, lever:eu:<site> or ashby:<board_name>.",
        examples=["greenhouse:stripe"],
        json_schema_extra={"pattern": rf"^{_BOARD_SOURCE}$", "maxLength": 106},
    )

    @field_validator("source", mode="before")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        return _encodable(value)


class BoardView(BaseModel):
    """A board on the key's watchlist; searches naming the source `watchlist` read every one."""

    source: str
    added_at: datetime


class Watchlist(BaseModel):
    """The key's watchlist."""

    boards: list[BoardView]
    limit: int = Field(MAX_SOURCES, description="How many boards a watchlist may hold.")


class FieldError(BaseModel):
    """One rule a field broke: where (`loc`), which rule (`type`), and in words (`msg`)."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error: what went wrong in one sentence or, for a bad body, each field and the rule it broke."""

    detail: str | list[FieldError]
    message: str | None = Field(None, description="For a bad body: every field and its rule, in one line.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
