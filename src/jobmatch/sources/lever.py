"""Lever's public Postings API: a company's whole board, paged with skip/limit, each posting complete.

`GET /v0/postings/{site}?mode=json&skip=N&limit=M` answers a JSON list of postings with everything jobmatch keeps
(description, lists, pay range, workplace), so the source yields complete `JobPosting`s and `fetch` is never needed
for them. Sites on Lever's EU instance are named `lever:eu:<site>` and read from `lever_eu_url`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from jobmatch.config import Settings
from jobmatch.models import JobPosting, JobRef, SearchQuery
from jobmatch.sources._company import CompanyBoard
from jobmatch.sources._fields import (
    ParseError,
    employment_type,
    epoch_ms_date,
    join_places,
    json_body,
    mapping,
    number,
    salary_interval,
    text,
    workplace,
)
from jobmatch.sources._text import html_to_text, tidy_text

PREFIX = "lever"
EU_PREFIX = "lever:eu"
POSTINGS_API = "/v0/postings/{site}"
POSTING_API = "/v0/postings/{site}/{posting_id}"
# Postings per page: Lever's own default page size; a board with more is read page by page.
PAGE_SIZE = 100


class LeverSource(CompanyBoard):
    """One company's Lever site, spoken through a PoliteClient."""

    prefix = PREFIX

    @staticmethod
    def base_url(settings: Settings) -> str:
        return settings.lever_url

    async def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield each page of the site's postings (complete postings, each once), until a short or repeated page;
        the query is not used here, the caller filters the postings."""
        url = self._base + POSTINGS_API.format(site=quote(self.board))
        seen: set[str] = set()
        skip = 0
        while True:
            params: dict[str, str | int] = {"mode": "json", "skip": skip, "limit": PAGE_SIZE}
            # Not paced: a site's pages come one after another anyway (Greenhouse's module says why).
            response = await self._client.get(url, params=params)
            page = json_body(response)
            postings = parse_postings(page, self.name)
            fresh = [posting for posting in postings if posting.job_id not in seen]
            seen.update(posting.job_id for posting in fresh)
            if fresh:
                cards: list[JobRef] = [*fresh]
                yield cards
            # A site that ignores skip would answer the same page forever: stop when nothing new came.
            if len(page) < PAGE_SIZE or not fresh:
                break
            skip += len(page)

    async def fetch(self, ref: JobRef) -> JobPosting:
        """One posting by id (the pipeline needs this only for a card it did not get whole, e.g. a stale one)."""
        url = self._base + POSTING_API.format(site=quote(self.board), posting_id=quote(ref.job_id))
        response = await self._client.get(url, params={"mode": "json"})
        postings = parse_postings([json_body(response)], self.name)
        if not postings:
            raise ParseError(f"Lever answered no posting for {ref.job_id}")
        return postings[0]


class LeverEuSource(LeverSource):
    """A Lever site on Lever's EU instance."""

    prefix = EU_PREFIX

    @staticmethod
    def base_url(settings: Settings) -> str:
        return settings.lever_eu_url


def parse_postings(data: Any, source: str) -> list[JobPosting]:
    """The postings of one page (a JSON list), in order; entries with no id or title are skipped."""
    if not isinstance(data, list):
        raise ParseError(f"Lever site {source!r} answered {type(data).__name__}, not a list of postings")
    postings = [_posting(item, source) for item in data if isinstance(item, dict)]
    return [posting for posting in postings if posting is not None]


def posting_text(item: dict[str, Any]) -> str:
    """A posting's plain text: the description, each list under its heading as bullets, then the closing part."""
    parts = [_html_or_plain(item, "description")]
    for section in item.get("lists") or []:
        if isinstance(section, dict):
            heading = html_to_text(text(section.get("text")))
            items = html_to_text(f"<ul>{section.get('content') or ''}</ul>")
            parts += [heading, items]
    parts.append(_html_or_plain(item, "additional"))
    return "\n".join(part for part in parts if part)


def _posting(item: dict[str, Any], source: str) -> JobPosting | None:
    posting_id, title = item.get("id"), text(item.get("text"))
    if not isinstance(posting_id, str) or not posting_id or not title:
        return None
    categories = mapping(item.get("categories"))
    places = [text(p) for p in categories.get("allLocations") or [] if isinstance(p, str)]
    return JobPosting(
        source=source,
        job_id=posting_id,
        url=text(item.get("hostedUrl")),
        title=title,
        company=source.rpartition(":")[2],
        location=join_places(text(categories.get("location")), *places),
        posted_at=epoch_ms_date(item.get("createdAt")),
        description=posting_text(item),
        department=text(categories.get("department")) or text(categories.get("team")) or None,
        employment_type=employment_type(categories.get("commitment")),
        workplace_type=workplace(item.get("workplaceType")),
        apply_url=text(item.get("applyUrl")) or None,
        **_salary(item.get("salaryRange")),
    )


def _html_or_plain(item: dict[str, Any], field: str) -> str:
    markup = item.get(field)
    if isinstance(markup, str) and markup.strip():
        return html_to_text(markup)
    plain = item.get(f"{field}Plain")
    return tidy_text(plain) if isinstance(plain, str) else ""


def _salary(salary: object) -> dict[str, Any]:
    if not isinstance(salary, dict):
        return {}
    low, high = number(salary.get("min")), number(salary.get("max"))
    if low is None and high is None:
        return {}
    return {
        "salary_min": low,
        "salary_max": high,
        "salary_currency": text(salary.get("currency")).upper() or None,
        "salary_interval": salary_interval(salary.get("interval")),
    }
