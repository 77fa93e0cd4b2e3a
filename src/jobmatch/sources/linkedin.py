"""LinkedIn's public, logged-out job search: how to page through it and how to read its markup."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

from jobmatch.config import Settings
from jobmatch.models import JobPosting, JobRef, SearchQuery
from jobmatch.sources._fields import ParseError
from jobmatch.sources._http import BlockedError, FetchError, NotFoundError, PoliteClient
from jobmatch.sources._text import html_to_text

SOURCE = "linkedin"
SEARCH_PAGE = "/jobs/search"
SEARCH_API = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
POSTING_API = "/jobs-guest/jobs/api/jobPosting/{job_id}"
POSTING_PAGE = "/jobs/view/{job_id}"
# LinkedIn refuses `start` of 1000 or more with a 400.
MAX_START = 1000
# Cards on a full result page.
PAGE_SIZE = 10

_URN = re.compile(r"urn:li:jobPosting:(\d+)")
_CRITERIA = {
    "seniority level": "seniority",
    "employment type": "employment_type",
    "job function": "job_function",
    "industries": "industries",
}


class LinkedInSource:
    """LinkedIn's guest job search, spoken through a PoliteClient."""

    name = SOURCE
    whole_board = False

    def __init__(self, client: PoliteClient, base_url: str):
        self._client = client
        self._base = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, client: PoliteClient, settings: Settings, board: str = "") -> LinkedInSource:
        return cls(client, settings.linkedin_url)

    async def search(self, query: SearchQuery) -> AsyncIterator[list[JobRef]]:
        """Yield the new cards of each result page, up to `query.pages` pages, an empty page, or start 1000.

        A page that fails every attempt is skipped and tried again after the last page; if it fails then, the
        search raises its FetchError (with what it listed already yielded). Being blocked ends the search at once.
        """
        params: dict[str, str | int] = {"keywords": query.query, "location": query.location}
        await self._client.get(self._base + SEARCH_PAGE, params=params, paced=True)
        headers = self._csrf_headers()
        params["f_TPR"] = f"r{query.post_time_seconds}"
        seen: set[str] = set()
        failed: deque[int] = deque()
        requested: set[int] = set()
        start = 0
        for _ in range(query.pages):
            if start >= MAX_START:
                break
            requested.add(start)
            try:
                cards, positions = await self._page(params, headers, start)
            except BlockedError:
                raise
            except FetchError:
                # Its length unknown, the page is taken to be a full one; the retry fills any gap it leaves.
                failed.append(start)
                start += PAGE_SIZE
                continue
            if not positions:
                break
            # Page by positions (every card, repeats too): LinkedIn's pages are not always ten long.
            start += positions
            yield _fresh(cards, seen)
        while failed:
            start = failed.popleft()
            cards, positions = await self._page(params, headers, start)
            if positions:
                yield _fresh(cards, seen)
            after = start + positions
            if 0 < positions < PAGE_SIZE and start + PAGE_SIZE in requested and after not in requested:
                requested.add(after)
                failed.append(after)

    async def _page(
        self, params: dict[str, str | int], headers: dict[str, str], start: int
    ) -> tuple[list[JobRef], int]:
        response = await self._client.get(
            self._base + SEARCH_API, params={**params, "start": start}, headers=headers, paced=True
        )
        return read_search_page(response.text, self._base)

    async def fetch(self, ref: JobRef) -> JobPosting:
        """The posting behind `ref`: the guest fragment, or the full job page when the fragment fails."""
        try:
            response = await self._client.get(self._base + POSTING_API.format(job_id=ref.job_id))
            return parse_posting(response.text, ref)
        except (NotFoundError, ParseError) as first:
            try:
                response = await self._client.get(self._base + POSTING_PAGE.format(job_id=ref.job_id))
            except NotFoundError:
                raise first from None
            return parse_posting(response.text, ref)

    def _csrf_headers(self) -> dict[str, str]:
        # The guest API wants the JSESSIONID cookie's value (without its quotes) echoed as Csrf-Token.
        session = self._client.cookies.get("JSESSIONID")
        return {"Csrf-Token": session.strip('"')} if session else {}


def job_url(base_url: str, job_id: str) -> str:
    """The canonical link to a posting: no slug, no tracking query."""
    return f"{base_url.rstrip('/')}/jobs/view/{job_id}"


def parse_search_page(html: str, base_url: str = "https://www.linkedin.com") -> list[JobRef]:
    """The job cards of one search fragment page, in page order (repeats within the page dropped)."""
    return read_search_page(html, base_url)[0]


def read_search_page(html: str, base_url: str = "https://www.linkedin.com") -> tuple[list[JobRef], int]:
    """The job cards of one search fragment page (repeats within the page dropped), and the positions it fills."""
    tree = LexborHTMLParser(html)
    refs: list[JobRef] = []
    seen: set[str] = set()
    positions = tree.css('[data-entity-urn^="urn:li:jobPosting:"]')
    for card in positions:
        match = _URN.search(card.attributes.get("data-entity-urn") or "")
        if not match or match.group(1) in seen:
            continue
        job_id = match.group(1)
        seen.add(job_id)
        posted = card.css_first("time.job-search-card__listdate, time.job-search-card__listdate--new")
        refs.append(
            JobRef(
                source=SOURCE,
                job_id=job_id,
                url=job_url(base_url, job_id),
                title=_text(card, "h3.base-search-card__title") or _text(card, ".sr-only"),
                company=_text(card, "h4.base-search-card__subtitle"),
                location=_text(card, "span.job-search-card__location"),
                posted_at=_date(posted.attributes.get("datetime") if posted else None),
            )
        )
    return refs, len(positions)


def _fresh(cards: list[JobRef], seen: set[str]) -> list[JobRef]:
    fresh = [card for card in cards if card.job_id not in seen]
    seen.update(card.job_id for card in fresh)
    return fresh


def parse_posting(html: str, ref: JobRef) -> JobPosting:
    """A posting from its guest fragment or its full page; the card supplies what the page lacks (the date)."""
    tree = LexborHTMLParser(html)
    top = tree.css_first("section.top-card-layout") or tree.body or tree.root
    markup = tree.css_first("div.description__text .show-more-less-html__markup") or tree.css_first(
        ".show-more-less-html__markup"
    )
    description = description_text(markup) if markup is not None else ""
    if not description:
        raise ParseError(f"no job description in the page of posting {ref.job_id}")
    criteria = {
        field: _text(item, ".description__job-criteria-text")
        for item in tree.css("li.description__job-criteria-item")
        if (field := _CRITERIA.get(_text(item, ".description__job-criteria-subheader").lower()))
    }
    return JobPosting.model_validate(
        {
            **ref.model_dump(exclude={"title", "company", "location"}),
            "title": _text(top, "h1.top-card-layout__title, h2.top-card-layout__title") or ref.title,
            "company": _text(top, "a.topcard__org-name-link") or ref.company,
            "location": _text(top, "span.topcard__flavor--bullet") or ref.location,
            "description": description,
            "closed": tree.css_first("figure.closed-job") is not None,
            **criteria,
        }
    )


def description_text(node: LexborNode) -> str:
    """A description's text with its structure kept: each paragraph, line break and bullet on a line of its own."""
    return html_to_text(node.html or "")


def _text(node: LexborNode | LexborHTMLParser | None, selector: str) -> str:
    found = node.css_first(selector) if node is not None else None
    return " ".join(found.text(separator=" ").split()) if found is not None else ""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
