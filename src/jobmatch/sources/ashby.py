"""Ashby's public job posting API: a company's whole board in one answer, each posting complete.

`GET /posting-api/job-board/{name}?includeCompensation=true` answers `{"apiVersion": "1", "jobs": [...]}` with no
paging and no detail call; jobs with `isListed: false` are hidden from the company's own board and are skipped.
"""

from __future__ import annotations

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
    number,
    salary_interval,
    text,
    workplace,
)
from jobmatch.sources._text import html_to_text, tidy_text

PREFIX = "ashby"
BOARD_API = "/posting-api/job-board/{name}"


class AshbySource(CompanyBoard):
    """One company's Ashby job board, spoken through a PoliteClient."""

    prefix = PREFIX

    @staticmethod
    def base_url(settings: Settings) -> str:
        return settings.ashby_url

    async def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield every listed job on the board as a complete posting, in one list; the query is not used here, the
        caller filters the postings."""
        cards: list[JobRef] = [*await self._board()]
        yield cards

    async def fetch(self, ref: JobRef) -> JobPosting:
        """The posting behind `ref`, read from the whole board (Ashby's API has no call for one job)."""
        for posting in await self._board():
            if posting.job_id == ref.job_id:
                return posting
        raise ParseError(f"Ashby board {self.board!r} no longer lists posting {ref.job_id}")

    async def _board(self) -> list[JobPosting]:
        url = self._base + BOARD_API.format(name=quote(self.board))
        # Not paced (Greenhouse's module says why).
        response = await self._client.get(url, params={"includeCompensation": "true"})
        return parse_board(json_body(response), self.name)


def parse_board(data: Any, source: str) -> list[JobPosting]:
    """The listed postings of a board answer, in board order, each id once; unlisted jobs are skipped."""
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list):
        raise ParseError(f"Ashby board {source!r} answered without a jobs list")
    postings: list[JobPosting] = []
    seen: set[str] = set()
    for job in jobs:
        if not isinstance(job, dict) or job.get("isListed") is False:
            continue
        posting = _posting(job, source)
        if posting is not None and posting.job_id not in seen:
            seen.add(posting.job_id)
            postings.append(posting)
    return postings


def _posting(job: dict[str, Any], source: str) -> JobPosting | None:
    job_id, title = job.get("id"), text(job.get("title"))
    if not isinstance(job_id, str) or not job_id or not title:
        return None
    secondary = [text(p.get("location")) for p in job.get("secondaryLocations") or [] if isinstance(p, dict)]
    markup, plain = job.get("descriptionHtml"), job.get("descriptionPlain")
    description = html_to_text(markup) if isinstance(markup, str) else tidy_text(str(plain or ""))
    return JobPosting(
        source=source,
        job_id=job_id,
        url=text(job.get("jobUrl")),
        title=title,
        company=source.partition(":")[2],
        location=join_places(text(job.get("location")), *secondary),
        posted_at=iso_date(job.get("publishedAt")),
        description=description,
        department=text(job.get("department")) or text(job.get("team")) or None,
        employment_type=employment_type(job.get("employmentType")),
        workplace_type=workplace(job.get("workplaceType")) or (WorkplaceType.REMOTE if job.get("isRemote") else None),
        apply_url=text(job.get("applyUrl")) or None,
        **_salary(job.get("compensation")),
    )


def _salary(compensation: object) -> dict[str, Any]:
    """The span of the salary components of every tier (a tier per pay zone or level), when they share a currency
    and an interval; equity and bonus components are not salary."""
    if not isinstance(compensation, dict):
        return {}
    components = [
        component
        for tier in compensation.get("compensationTiers") or []
        if isinstance(tier, dict)
        for component in tier.get("components") or []
        if isinstance(component, dict) and text(component.get("compensationType")).lower() == "salary"
    ]
    lows = [v for c in components if (v := number(c.get("minValue"))) is not None]
    highs = [v for c in components if (v := number(c.get("maxValue"))) is not None]
    currencies = {text(c.get("currencyCode")).upper() for c in components} - {""}
    intervals = {salary_interval(c.get("interval")) for c in components}
    if not (lows or highs) or len(currencies) > 1 or len(intervals) > 1:
        return {}
    return {
        "salary_min": min(lows) if lows else None,
        "salary_max": max(highs) if highs else None,
        "salary_currency": currencies.pop() if currencies else None,
        "salary_interval": intervals.pop(),
    }
