"""Greenhouse's public Job Board API: a company's whole board as cards, then each posting with its pay ranges.

The source yields bare cards from the board's job list (`GET /v1/boards/{token}/jobs`: titles, locations, dates
and links, no descriptions) and `fetch` reads each posting's detail (`GET /v1/boards/{token}/jobs/{id}
?pay_transparency=true`), because only the detail call gives the pay ranges (`pay_input_ranges`). The search's
filter runs on the cards first, so a "Data Scientist" search at a 400-job company fetches only its data roles, not
400 descriptions (the list with `content=true` would be megabytes for a board that size), and the store's cache
skips postings already read.

Politeness: a company board's list is read like a posting (within the host's in-flight limit, retried with the
project's backoff, honouring `Retry-After`), not at the search-page pace (`page_delay`). That pause keeps LinkedIn's
search from taking a fast pager for a bot; these APIs are public JSON made for companies' own job widgets, and one
list per board is already the least a reader can ask. So thirty boards on one host are read in seconds, not minutes.

`content` is HTML that is itself entity-escaped (`&lt;p&gt;`, a literal `&` arrives as `&amp;amp;`): it is unescaped
once, then read as HTML.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from jobmatch.config import Settings
from jobmatch.models import JobPosting, JobRef, SearchQuery, WorkplaceType
from jobmatch.sources._company import CompanyBoard
from jobmatch.sources._fields import (
    ParseError,
    employment_type,
    iso_date,
    join_places,
    json_body,
    mapping,
    number,
    salary_interval,
    text,
    workplace,
)
from jobmatch.sources._text import html_to_text

PREFIX = "greenhouse"
JOBS_API = "/v1/boards/{token}/jobs"
JOB_API = "/v1/boards/{token}/jobs/{job_id}"
# Custom fields ("metadata") some boards fill; matched on the field's name, lower-cased.
_EMPLOYMENT_FIELDS = ("employment type", "job type", "employment")
_WORKPLACE_FIELDS = ("workplace type", "location type", "workplace", "remote")
# Greenhouse gives no pay interval; ranges this large are yearly salaries (an hourly or monthly figure never is).
_YEARLY_FROM = 20_000


class GreenhouseSource(CompanyBoard):
    """One company's Greenhouse board, spoken through a PoliteClient."""

    prefix = PREFIX

    @staticmethod
    def base_url(settings: Settings) -> str:
        return settings.greenhouse_url

    async def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield every job on the board as a bare card, in one list (the API does not page); the query is not used
        here, the caller filters the cards."""
        # Not paced: see the module's note on politeness.
        response = await self._client.get(self._base + JOBS_API.format(token=quote(self.board)))
        yield parse_job_list(json_body(response), self.board)

    async def fetch(self, ref: JobRef) -> JobPosting:
        """The posting behind `ref`, with its description and pay ranges."""
        url = self._base + JOB_API.format(token=quote(self.board), job_id=quote(ref.job_id))
        response = await self._client.get(url, params={"pay_transparency": "true"})
        return parse_job(json_body(response), ref)


def parse_job_list(data: Any, board: str) -> list[JobRef]:
    """The cards of a board's job list (`{"jobs": [...], "meta": {...}}`), in board order, each id once."""
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list):
        raise ParseError(f"Greenhouse board {board!r} answered without a jobs list")
    cards: list[JobRef] = []
    seen: set[str] = set()
    for job in jobs:
        card = _card(job, board)
        if card is not None and card.job_id not in seen:
            seen.add(card.job_id)
            cards.append(card)
    return cards


def parse_job(data: Any, ref: JobRef) -> JobPosting:
    """A posting from a job object that has `content` (the detail call, or the list with `content=true`)."""
    card = _card(data, ref.source.partition(":")[2])
    if card is None or not isinstance(data, dict):
        raise ParseError(f"Greenhouse answered no job object for posting {ref.job_id}")
    description = content_text(data.get("content"))
    if not description:
        raise ParseError(f"no job description in Greenhouse posting {ref.job_id}")
    fields = _metadata(data.get("metadata"))
    salary = _salary(data.get("pay_input_ranges"))
    departments = [text(d.get("name")) for d in data.get("departments") or [] if isinstance(d, dict)]
    return JobPosting(
        source=ref.source,
        job_id=ref.job_id,
        url=card.url or ref.url,
        title=card.title or ref.title,
        company=card.company or ref.company,
        location=card.location or ref.location,
        posted_at=card.posted_at or ref.posted_at,
        description=description,
        department=", ".join(name for name in departments if name) or None,
        employment_type=employment_type(_field(fields, _EMPLOYMENT_FIELDS)),
        workplace_type=workplace(_field(fields, _WORKPLACE_FIELDS)) or _workplace_from_location(card.location),
        **salary,
    )


def content_text(content: object) -> str:
    """Greenhouse's entity-escaped HTML `content` as plain text: unescaped once, then read as HTML."""
    return html_to_text(html.unescape(content)) if isinstance(content, str) else ""


def _card(job: object, board: str) -> JobRef | None:
    if not isinstance(job, dict) or isinstance(job.get("id"), bool) or not isinstance(job.get("id"), (int, str)):
        return None
    location = mapping(job.get("location"))
    offices = [text(o.get("location") or o.get("name")) for o in job.get("offices") or [] if isinstance(o, dict)]
    return JobRef(
        source=f"{PREFIX}:{board}",
        job_id=str(job["id"]),
        url=text(job.get("absolute_url")),
        title=text(job.get("title")),
        company=text(job.get("company_name")) or board,
        location=text(location.get("name")) or join_places(*offices),
        posted_at=iso_date(job.get("first_published")) or iso_date(job.get("updated_at")),
    )


def _metadata(metadata: object) -> dict[str, object]:
    if not isinstance(metadata, list):
        return {}
    return {text(item.get("name")).lower(): item.get("value") for item in metadata if isinstance(item, dict)}


def _field(fields: dict[str, object], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = fields.get(name)
        if isinstance(value, list):  # multi_select fields hold a list of choices
            value = value[0] if value else None
        if name == "remote" and value is not None:  # a yes/no field: true, or "Yes"
            return "remote" if value is True or str(value).strip().lower() in ("yes", "true") else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def _workplace_from_location(location: str) -> WorkplaceType | None:
    # Greenhouse has no workplace field; boards write "Remote - US" or "Hybrid (Austin, TX)" into the location.
    # "New York, NY; Remote" is not a remote job for the New Yorker, so remote needs every place to say so.
    places = [place.lower() for place in location.split(";") if place.strip()]
    if places and all("remote" in place for place in places):
        return WorkplaceType.REMOTE
    if any("hybrid" in place for place in places):
        return WorkplaceType.HYBRID
    return None


def _salary(ranges: object) -> dict[str, Any]:
    """The span of every pay range given (one per pay zone), when they share a currency; amounts are in cents."""
    usable = [r for r in ranges if isinstance(r, dict)] if isinstance(ranges, list) else []
    lows = [v / 100 for r in usable if (v := number(r.get("min_cents"))) is not None]
    highs = [v / 100 for r in usable if (v := number(r.get("max_cents"))) is not None]
    currencies = {text(r.get("currency_type")).upper() for r in usable} - {""}
    if not (lows or highs) or len(currencies) > 1:
        return {}
    low, high = (min(lows) if lows else None), (max(highs) if highs else None)
    # A zone's title sometimes says the interval ("Hourly Pay Range"); blurbs are prose, not read for it.
    titled = salary_interval(" ".join(text(r.get("title")) for r in usable))
    smallest = min(v for v in (low, high) if v is not None)
    interval = titled or ("year" if smallest >= _YEARLY_FROM else None)
    return {
        "salary_min": low,
        "salary_max": high,
        "salary_currency": currencies.pop() if currencies else None,
        "salary_interval": interval,
    }
