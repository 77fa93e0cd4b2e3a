"""Greenhouse's Job Board API: parsing its real JSON shapes, and the source against the fake board."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from jobmatch.models import JobPosting, JobRef, SearchQuery, WorkplaceType
from jobmatch.sources import NotFoundError, ParseError, PoliteClient, make_source
from jobmatch.sources.greenhouse import GreenhouseSource, content_text, parse_job, parse_job_list
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)
# Greenhouse's `content`: HTML that is itself entity-escaped, as the API sends it.
CONTENT = (
    "&lt;div class=&quot;content-intro&quot;&gt;&lt;p&gt;Acme Robotics builds warehouse robots "
    "&amp;amp; the software that runs them.&lt;/p&gt;&lt;/div&gt;"
    "&lt;h3&gt;What you&amp;#39;ll do&lt;/h3&gt;"
    "&lt;ul&gt;&lt;li&gt;Build forecasting models in Python &amp;amp; SQL&lt;/li&gt;"
    "&lt;li&gt;Explain results to the &amp;quot;ops&amp;quot; team&lt;/li&gt;&lt;/ul&gt;"
    "&lt;p&gt;Salary: $150,000&amp;nbsp;&amp;ndash; $180,000.&lt;br&gt;Apply today!&lt;/p&gt;"
    "&lt;script&gt;window.track(&amp;#39;x&amp;#39;)&lt;/script&gt;"
)


def _job(**overrides: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "absolute_url": "https://job-boards.greenhouse.io/acme/jobs/5012345",
        "data_compliance": [{"type": "gdpr", "requires_consent": False, "retention_period": None}],
        "internal_job_id": 4012345,
        "location": {"name": "San Francisco, CA; New York, NY"},
        "metadata": None,
        "id": 5012345,
        "updated_at": "2026-06-12T09:15:44-04:00",
        "requisition_id": "REQ-77",
        "title": "Senior Data Scientist, Forecasting",
        "company_name": "Acme Robotics",
        "first_published": "2026-06-10T22:30:00-04:00",
    }
    job.update(overrides)
    return job


def _detail(**overrides: Any) -> dict[str, Any]:
    detail = _job(
        content=CONTENT,
        departments=[{"id": 101, "name": "Data & Analytics", "child_ids": [], "parent_id": None}],
        offices=[
            {"id": 201, "name": "San Francisco", "location": "San Francisco, CA", "child_ids": [], "parent_id": None}
        ],
        pay_input_ranges=[
            {
                "min_cents": 15000000,
                "max_cents": 18000000,
                "currency_type": "USD",
                "title": "Zone 1",
                "blurb": "<p>x</p>",
            },
            {
                "min_cents": 13500000,
                "max_cents": 16200000,
                "currency_type": "USD",
                "title": "Zone 2",
                "blurb": "<p>x</p>",
            },
        ],
    )
    detail.update(overrides)
    return detail


def _ref() -> JobRef:
    return parse_job_list({"jobs": [_job()], "meta": {"total": 1}}, "acme")[0]


def test_the_job_list_gives_cards_with_utc_dates_and_every_id_once() -> None:
    data = {"jobs": [_job(), _job(), _job(id=5012346, title="Office Manager", first_published=None)], "meta": {}}
    cards = parse_job_list(data, "acme")
    assert [card.job_id for card in cards] == ["5012345", "5012346"]
    first = cards[0]
    assert type(first) is JobRef  # bare: fetch adds the description and the pay ranges
    assert (first.source, first.title, first.company) == (
        "greenhouse:acme",
        "Senior Data Scientist, Forecasting",
        "Acme Robotics",
    )
    assert first.location == "San Francisco, CA; New York, NY"
    assert first.posted_at == date(2026, 6, 11)  # 22:30 in New York is the next day in UTC
    assert cards[1].posted_at == date(2026, 6, 12)  # no first_published: updated_at


def test_content_is_unescaped_once_then_read_as_html() -> None:
    text = content_text(CONTENT)
    assert text.splitlines() == [
        "Acme Robotics builds warehouse robots & the software that runs them.",
        "What you'll do",
        "- Build forecasting models in Python & SQL",
        '- Explain results to the "ops" team',
        "Salary: $150,000 \u2013 $180,000.",
        "Apply today!",
    ]
    assert not ENTITY.search(text) and "<" not in text and "track" not in text


def test_a_literal_entity_in_the_text_stays_text() -> None:
    # "&amp;amp;lt;" is the text "&lt;" written in HTML, then escaped by Greenhouse: the reader shows "&lt;".
    assert content_text("&lt;p&gt;Write &amp;amp;lt;br&amp;amp;gt; tags&lt;/p&gt;") == "Write &lt;br&gt; tags"


def test_the_detail_gives_description_department_and_the_span_of_its_pay_zones() -> None:
    posting = parse_job(_detail(), _ref())
    assert posting.description.startswith("Acme Robotics builds warehouse robots & the software")
    assert posting.department == "Data & Analytics"
    assert (posting.salary_min, posting.salary_max, posting.salary_currency, posting.salary_interval) == (
        135000.0,
        180000.0,
        "USD",
        "year",
    )
    assert posting.workplace_type is None and posting.employment_type is None  # the board says neither
    assert posting.posted_at == date(2026, 6, 11) and posting.source == "greenhouse:acme"


def test_custom_fields_and_the_location_say_workplace_and_employment_type() -> None:
    metadata = [
        {"id": 1, "name": "Employment Type", "value": "Full Time", "value_type": "single_select"},
        {"id": 2, "name": "Workplace Type", "value": "Hybrid", "value_type": "single_select"},
    ]
    posting = parse_job(_detail(metadata=metadata), _ref())
    assert posting.employment_type == "Full-time" and posting.workplace_type is WorkplaceType.HYBRID
    remote = parse_job(_detail(location={"name": "Remote - US"}), _ref())
    assert remote.workplace_type is WorkplaceType.REMOTE
    either = parse_job(_detail(location={"name": "New York, NY; Remote - US"}), _ref())
    assert either.workplace_type is None  # an office in New York, or remote: the board does not say one
    flagged = [{"id": 3, "name": "Remote", "value": "Yes", "value_type": "single_select"}]
    assert parse_job(_detail(metadata=flagged), _ref()).workplace_type is WorkplaceType.REMOTE


def test_hourly_ranges_and_mixed_currencies() -> None:
    hourly = [{"min_cents": 3800, "max_cents": 4600, "currency_type": "USD", "title": "Hourly Pay Range", "blurb": ""}]
    posting = parse_job(_detail(pay_input_ranges=hourly), _ref())
    assert (posting.salary_min, posting.salary_max, posting.salary_interval) == (38.0, 46.0, "hour")
    mixed = [
        {"min_cents": 15000000, "max_cents": 18000000, "currency_type": "USD", "title": "US"},
        {"min_cents": 9000000, "max_cents": 11000000, "currency_type": "EUR", "title": "Berlin"},
    ]
    assert parse_job(_detail(pay_input_ranges=mixed), _ref()).salary_min is None  # no one range to give
    assert parse_job(_detail(pay_input_ranges=[]), _ref()).salary_currency is None


def test_unreadable_answers_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="without a jobs list"):
        parse_job_list({"status": 200}, "acme")
    with pytest.raises(ParseError, match="no job description"):
        parse_job(_detail(content=""), _ref())


async def test_the_source_reads_a_board_from_the_fake_board(home: Path) -> None:
    async with Board(BoardConfig(seed=3, now=NOW, board_jobs=30)) as board:
        async with PoliteClient(make_settings(home, board.url)) as client:
            source = make_source("greenhouse:acme-robotics", client, make_settings(home, board.url))
            assert isinstance(source, GreenhouseSource) and source.whole_board
            pages = [page async for page in source.search(SearchQuery(query="Data Scientist"))]
            expected = {p.job_id: p for p in board.ats.expected("greenhouse", "acme-robotics")}
            assert len(pages) == 1 and [card.job_id for card in pages[0]] == list(expected)
            assert all(type(card) is JobRef for card in pages[0])
            postings = [await source.fetch(card) for card in pages[0]]
    for posting in postings:
        assert _fields(posting) == _fields(expected[posting.job_id])
        assert not ENTITY.search(posting.description)
    assert any("&" in posting.description for posting in postings)
    assert sum(posting.salary_min is not None for posting in postings) > 10
    assert board.stats.by_route == {"greenhouse_jobs": 1, "greenhouse_job": 30}


async def test_an_unknown_board_is_not_found(home: Path) -> None:
    async with Board(BoardConfig(now=NOW)) as board:
        async with PoliteClient(make_settings(home, board.url)) as client:
            source = GreenhouseSource(client, board.url, "missing-co")
            with pytest.raises(NotFoundError, match="404"):
                [page async for page in source.search(SearchQuery(query="x"))]


async def test_faults_and_rate_limits_are_retried_past(home: Path) -> None:
    config = BoardConfig(now=NOW, board_jobs=5, fault_rate=1.0, fault_kinds=("503", "reset", "429"), retry_after=0)
    async with Board(config) as board:
        async with PoliteClient(make_settings(home, board.url, retry_interval=0.01)) as client:
            source = GreenhouseSource(client, board.url, "acme")
            cards = [card async for page in source.search(SearchQuery(query="x")) for card in page]
            postings = [await source.fetch(card) for card in cards]
    assert len(postings) == 5 and board.stats.faults_total == 6  # the list and each job faulted once
    assert all(count == 2 for count in board.ats.requests.values())


def _fields(posting: JobPosting) -> dict[str, object]:
    return posting.model_dump(exclude={"fetched_at"})
