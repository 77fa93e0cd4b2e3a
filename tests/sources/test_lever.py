"""Lever's Postings API: parsing its real JSON shapes, paging, and the source against the fake board."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from jobmatch.models import JobPosting, SearchQuery, WorkplaceType
from jobmatch.sources import NotFoundError, ParseError, PoliteClient, make_source
from jobmatch.sources.lever import PAGE_SIZE, LeverEuSource, LeverSource, parse_postings
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


def _posting(**overrides: Any) -> dict[str, Any]:
    posting: dict[str, Any] = {
        "additional": "<div><b>Equal opportunity</b></div><div>Acme &amp; Co. is an equal opportunity employer.</div>",
        "additionalPlain": "Equal opportunity\nAcme & Co. is an equal opportunity employer.",
        "categories": {
            "commitment": "Full-time",
            "department": "Data & Analytics",
            "location": "Berlin",
            "team": "Data Science",
            "allLocations": ["Berlin", "Remote - Germany"],
        },
        "createdAt": 1781049600000,  # 2026-06-10T00:00:00Z
        "descriptionPlain": "We forecast demand for 4,000 stores.\n",
        "description": "<div>We forecast demand for <b>4,000</b> stores.</div><div><br></div>",
        "id": "5c4c2a1f-9f3e-4b7e-8a51-2f6c0c9d1e10",
        "lists": [
            {"text": "What you'll do", "content": "<li>Build models in Python &amp; SQL</li><li>Run A/B tests</li>"},
            {"text": "What you'll bring", "content": "<li>3+ years of ML</li>"},
        ],
        "text": "Senior Data Scientist",
        "country": "DE",
        "workplaceType": "hybrid",
        "hostedUrl": "https://jobs.eu.lever.co/acme/5c4c2a1f-9f3e-4b7e-8a51-2f6c0c9d1e10",
        "applyUrl": "https://jobs.eu.lever.co/acme/5c4c2a1f-9f3e-4b7e-8a51-2f6c0c9d1e10/apply",
        "salaryRange": {"currency": "EUR", "interval": "per-year-salary", "min": 85000, "max": 110000},
        "salaryDescription": "<div>Base salary.</div>",
        "salaryDescriptionPlain": "Base salary.",
    }
    posting.update(overrides)
    return posting


def test_a_posting_is_complete_with_its_lists_dates_pay_and_workplace() -> None:
    [posting] = parse_postings([_posting()], "lever:eu:acme")
    assert isinstance(posting, JobPosting)
    assert (posting.source, posting.job_id, posting.title) == (
        "lever:eu:acme",
        "5c4c2a1f-9f3e-4b7e-8a51-2f6c0c9d1e10",
        "Senior Data Scientist",
    )
    assert posting.description.splitlines() == [
        "We forecast demand for 4,000 stores.",
        "What you'll do",
        "- Build models in Python & SQL",
        "- Run A/B tests",
        "What you'll bring",
        "- 3+ years of ML",
        "Equal opportunity",
        "Acme & Co. is an equal opportunity employer.",
    ]
    assert posting.posted_at == date(2026, 6, 10)  # createdAt is epoch milliseconds
    assert posting.location == "Berlin; Remote - Germany"
    assert (posting.department, posting.employment_type, posting.workplace_type) == (
        "Data & Analytics",
        "Full-time",
        WorkplaceType.HYBRID,
    )
    assert (posting.salary_min, posting.salary_max, posting.salary_currency, posting.salary_interval) == (
        85000.0,
        110000.0,
        "EUR",
        "year",
    )
    assert posting.apply_url is not None and posting.apply_url.endswith("/apply")
    assert posting.url.startswith("https://jobs.eu.lever.co/acme/")


@pytest.mark.parametrize(
    ("workplace", "expected"),
    [
        ("on-site", WorkplaceType.ONSITE),
        ("onsite", WorkplaceType.ONSITE),
        ("remote", WorkplaceType.REMOTE),
        ("unspecified", None),
    ],
)
def test_workplace_types(workplace: str, expected: WorkplaceType | None) -> None:
    assert parse_postings([_posting(workplaceType=workplace)], "lever:acme")[0].workplace_type is expected


def test_hourly_pay_plain_fallbacks_and_broken_entries() -> None:
    hourly = {"currency": "usd", "interval": "per-hour-wage", "min": 24, "max": 31}
    without_html = _posting(description="", lists=[], additional="", salaryRange=hourly)
    postings = parse_postings([without_html, {"id": "x"}, "junk", _posting(id=None)], "lever:acme")
    assert len(postings) == 1  # entries with no id or title are skipped
    posting = postings[0]
    assert (
        posting.description
        == "We forecast demand for 4,000 stores.\nEqual opportunity\nAcme & Co. is an equal opportunity employer."
    )
    assert (posting.salary_min, posting.salary_currency, posting.salary_interval) == (24.0, "USD", "hour")
    assert parse_postings([_posting(createdAt=None, salaryRange=None)], "lever:acme")[0].posted_at is None
    with pytest.raises(ParseError, match="not a list"):
        parse_postings({"ok": False, "error": "Document not found"}, "lever:acme")


async def test_the_source_pages_through_a_big_site_and_yields_complete_postings(home: Path) -> None:
    jobs = PAGE_SIZE * 2 + 17
    async with Board(BoardConfig(seed=5, now=NOW, board_jobs=jobs)) as board:
        settings = make_settings(home, board.url)
        async with PoliteClient(settings) as client:
            source = make_source("lever:northwind", client, settings)
            assert isinstance(source, LeverSource) and source.whole_board
            pages = [page async for page in source.search(SearchQuery(query="Data Scientist"))]
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 17]
    assert sorted(board.ats.requests) == ["lever:northwind:0", "lever:northwind:100", "lever:northwind:200"]
    expected = {p.job_id: p for p in board.ats.expected("lever", "northwind")}
    got = [card for page in pages for card in page]
    assert all(isinstance(card, JobPosting) for card in got)
    assert [card.job_id for card in got] == list(expected)
    for card in got:
        assert card.model_dump(exclude={"fetched_at"}) == expected[card.job_id].model_dump(exclude={"fetched_at"})


async def test_eu_sites_use_the_eu_url_and_unknown_sites_are_not_found(home: Path) -> None:
    async with Board(BoardConfig(now=NOW, board_jobs=3)) as board:
        settings = make_settings(home, board.url, lever_url="http://127.0.0.1:9")
        async with PoliteClient(settings) as client:
            source = make_source("lever:eu:acme", client, settings)
            assert isinstance(source, LeverEuSource) and source.name == "lever:eu:acme"
            [page] = [page async for page in source.search(SearchQuery(query="x"))]
            assert {card.source for card in page} == {"lever:eu:acme"} and len(page) == 3
            again = await source.fetch(page[0])  # one posting by id, for a card the caller holds stale
            assert again.model_dump(exclude={"fetched_at"}) == page[0].model_dump(exclude={"fetched_at"})
            missing = make_source("lever:eu:missing-acme", client, settings)
            with pytest.raises(NotFoundError, match="404"):
                [page async for page in missing.search(SearchQuery(query="x"))]
