"""Ashby's public job posting API: parsing its real JSON shape, and the source against the fake board."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from jobmatch.models import JobPosting, JobRef, SearchQuery, WorkplaceType
from jobmatch.sources import NotFoundError, ParseError, PoliteClient, make_source
from jobmatch.sources.ashby import AshbySource, parse_board
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


def _component(
    kind: str, interval: str, low: float | None, high: float | None, currency: str | None = "USD"
) -> dict[str, Any]:
    return {
        "id": f"{kind}-{low}",
        "summary": f"{low}-{high}",
        "compensationType": kind,
        "interval": interval,
        "currencyCode": currency,
        "minValue": low,
        "maxValue": high,
    }


def _job(**overrides: Any) -> dict[str, Any]:
    salary = _component("Salary", "1 YEAR", 140000, 175000)
    equity = _component("EquityPercentage", "NONE", None, None, None)
    job: dict[str, Any] = {
        "id": "0b8f6d2e-3c1a-4e55-9a7b-6f0e2d4c8a11",
        "title": "Machine Learning Engineer",
        "department": "Engineering",
        "team": "Applied ML",
        "employmentType": "FullTime",
        "location": "New York, NY",
        "secondaryLocations": [
            {"location": "Remote - US", "address": {"postalAddress": {"addressCountry": "United States"}}}
        ],
        "publishedAt": "2026-06-09T23:59:08.532+00:00",
        "isListed": True,
        "isRemote": False,
        "workplaceType": "Hybrid",
        "address": {"postalAddress": {"addressLocality": "New York", "addressRegion": "NY", "addressCountry": "USA"}},
        "jobUrl": "https://jobs.ashbyhq.com/acme/0b8f6d2e-3c1a-4e55-9a7b-6f0e2d4c8a11",
        "applyUrl": "https://jobs.ashbyhq.com/acme/0b8f6d2e-3c1a-4e55-9a7b-6f0e2d4c8a11/application",
        "descriptionHtml": (
            "<p><strong>About us</strong></p><p>We build R&amp;D tools.</p><ul><li><p>Ship models</p></li></ul>"
        ),
        "descriptionPlain": "About us\nWe build R&D tools.\n• Ship models",
        "shouldDisplayCompensationOnJobPostings": True,
        "compensation": {
            "compensationTierSummary": "$140K – $175K • Offers Equity",
            "scrapeableCompensationSalarySummary": "$140K - $175K",
            "compensationTiers": [
                {"id": "t1", "tierSummary": "$140K – $175K", "title": "Zone A", "components": [salary, equity]},
                {
                    "id": "t2",
                    "tierSummary": "$120K – $150K",
                    "title": "Zone B",
                    "components": [_component("Salary", "1 YEAR", 120000, 150000)],
                },
            ],
            "summaryComponents": [salary, equity],
        },
    }
    job.update(overrides)
    return job


def test_a_listed_job_is_a_complete_posting() -> None:
    [posting] = parse_board({"apiVersion": "1", "jobs": [_job()]}, "ashby:acme")
    assert isinstance(posting, JobPosting)
    assert (posting.source, posting.title, posting.company) == ("ashby:acme", "Machine Learning Engineer", "acme")
    assert posting.description.splitlines() == ["About us", "We build R&D tools.", "- Ship models"]
    assert posting.location == "New York, NY; Remote - US"
    assert posting.posted_at == date(2026, 6, 9)
    assert (posting.department, posting.employment_type, posting.workplace_type) == (
        "Engineering",
        "Full-time",
        WorkplaceType.HYBRID,
    )
    # The span of the salary components of every tier; equity is not salary.
    assert (posting.salary_min, posting.salary_max, posting.salary_currency, posting.salary_interval) == (
        120000.0,
        175000.0,
        "USD",
        "year",
    )
    assert posting.apply_url is not None and posting.apply_url.endswith("/application")


def test_unlisted_jobs_are_skipped_and_repeats_kept_once() -> None:
    hidden = _job(id="hidden-1", title="Office Manager", isListed=False)
    jobs = [_job(), hidden, _job(), _job(id="no-title", title="")]
    assert [p.job_id for p in parse_board({"apiVersion": "1", "jobs": jobs}, "ashby:acme")] == [_job()["id"]]


def test_remote_flag_plain_description_and_no_compensation() -> None:
    job = _job(workplaceType=None, isRemote=True, descriptionHtml=None, compensation=None, employmentType="Intern")
    [posting] = parse_board({"jobs": [job]}, "ashby:acme")
    assert posting.workplace_type is WorkplaceType.REMOTE
    assert posting.description == "About us\nWe build R&D tools.\n• Ship models"
    assert posting.salary_min is None and posting.employment_type == "Internship"
    hourly = {"compensationTiers": [{"components": [_component("Salary", "1 HOUR", 22, 28)]}]}
    [paid] = parse_board({"jobs": [_job(compensation=hourly)]}, "ashby:acme")
    assert (paid.salary_min, paid.salary_max, paid.salary_interval) == (22.0, 28.0, "hour")
    with pytest.raises(ParseError, match="without a jobs list"):
        parse_board({"apiVersion": "1"}, "ashby:acme")


async def test_the_source_reads_a_board_and_skips_its_unlisted_jobs(home: Path) -> None:
    async with Board(BoardConfig(seed=7, now=NOW, board_jobs=40, unlisted_rate=0.2)) as board:
        settings = make_settings(home, board.url)
        async with PoliteClient(settings) as client:
            source = make_source("ashby:Quantia", client, settings)
            assert isinstance(source, AshbySource) and source.whole_board
            pages = [page async for page in source.search(SearchQuery(query="Data Scientist"))]
            expected = {p.job_id: p for p in board.ats.expected("ashby", "Quantia")}
            assert 0 < len(expected) < 40  # some jobs are unlisted
            [page] = pages
            assert [card.job_id for card in page] == list(expected)
            for card in page:
                assert card.model_dump(exclude={"fetched_at"}) == expected[card.job_id].model_dump(
                    exclude={"fetched_at"}
                )
            fetched = await source.fetch(JobRef(source="ashby:Quantia", job_id=page[0].job_id, url=""))
            assert fetched.title == page[0].title
            with pytest.raises(ParseError, match="no longer lists"):
                await source.fetch(JobRef(source="ashby:Quantia", job_id="gone", url=""))
            with pytest.raises(NotFoundError):
                [p async for p in AshbySource(client, board.url, "missing-co").search(SearchQuery(query="x"))]
    assert board.stats.by_route["ashby_board"] == 4  # one per search and per fetch: Ashby has no detail call
