"""The rule that keeps a search's postings of a whole company board: title words, location, posted-within."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jobmatch.models import JobPosting, JobRef, SearchQuery, WorkplaceType
from jobmatch.sources import matches_query
from jobmatch.testing.board import Board, BoardConfig

TODAY = date(2026, 6, 17)
# A real company board mixes every kind of opening.
BOARD_TITLES = [
    "Senior Data Scientist, Ads",
    "Staff Data Scientist - Risk",
    "Data Scientist II",
    "Manager, Data Science",
    "Data Science Intern (Summer 2027)",
    "Data Engineer",
    "Data Analyst, Finance",
    "Research Scientist, Robotics",
    "Data Center Technician",
    "Office Manager",
    "Executive Assistant to the CEO",
    "Account Executive, Mid-Market",
    "Senior Software Engineer, Payments",
    "Registered Nurse - ICU",
]


def _keeps(titles: list[str], query: str) -> list[str]:
    search = SearchQuery(query=query, post_time=30)
    return [t for t in titles if matches_query(JobRef(source="g:x", job_id=t, url="", title=t), search, today=TODAY)]


def test_a_data_scientist_search_keeps_the_data_scientists_not_the_office_managers() -> None:
    assert _keeps(BOARD_TITLES, "Data Scientist") == [
        "Senior Data Scientist, Ads",
        "Staff Data Scientist - Risk",
        "Data Scientist II",
        "Manager, Data Science",
        "Data Science Intern (Summer 2027)",
    ]


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("Senior Data Scientist", BOARD_TITLES[:5]),  # the level is the ranker's to weigh
        ("office manager", ["Office Manager"]),
        ("Software Engineering", ["Senior Software Engineer, Payments"]),
        ("ML Engineer", ["Machine Learning Engineer", "Senior ML Engineer"]),
        ("Machine Learning Engineer", ["Machine Learning Engineer", "Senior ML Engineer"]),
        ("RN", ["Registered Nurse - ICU"]),
        ("Data Analytics", ["Data Analyst, Finance"]),
        (
            "Full-Stack Developer",
            ["Full Stack Developer", "Fullstack Developer (React)", "Senior Full-Stack Developer"],
        ),
        ("Front-end Engineer", ["Frontend Engineer", "Front End Engineer"]),
    ],
)
def test_related_word_forms_seniority_and_abbreviations(query: str, kept: list[str]) -> None:
    titles = [*BOARD_TITLES, "Machine Learning Engineer", "Senior ML Engineer", "Mechanical Engineer"]
    titles += ["Full Stack Developer", "Fullstack Developer (React)", "Senior Full-Stack Developer", "Stack Developer"]
    titles += ["Frontend Engineer", "Front End Engineer", "Backend Engineer"]
    expected = [t for t in titles if t in kept]
    assert _keeps(titles, query) == expected


def _located(location: str, search: str, workplace: WorkplaceType | None = None) -> bool:
    card = JobPosting(
        source="g:x", job_id="1", url="", title="Data Scientist", location=location, workplace_type=workplace
    )
    return matches_query(card, SearchQuery(query="Data Scientist", location=search, post_time=30), today=TODAY)


@pytest.mark.parametrize(
    ("location", "search", "workplace", "kept"),
    [
        ("New York, NY", "New York, NY", None, True),
        ("New York City", "New York, NY", None, True),
        ("San Francisco, CA; New York, NY", "New York, NY", None, True),
        ("Chicago, IL", "New York, NY", None, False),
        ("Austin, TX", "United States", None, True),
        ("Austin, Texas", "Austin, TX", None, True),
        ("Portland, OR", "Oregon", None, True),
        ("San Francisco, CA", "San Francisco Bay Area", None, True),
        ("London, United Kingdom", "United States", None, False),
        # Remote roles match the places their remote area covers.
        ("Remote", "Austin, TX", None, True),
        ("Remote - US", "New York, NY", None, True),
        ("Remote - Canada", "New York, NY", None, False),
        ("Remote - UK", "London, United Kingdom", None, True),
        ("San Francisco, CA", "Austin, TX", WorkplaceType.REMOTE, True),  # remote within the US
        ("London, United Kingdom", "New York, NY", WorkplaceType.REMOTE, False),
        ("Austin, TX", "Austin, TX", WorkplaceType.HYBRID, True),
        # A search for remote work keeps remote postings only.
        ("Remote - US", "Remote", None, True),
        ("Denver, CO", "Remote", WorkplaceType.REMOTE, True),
        ("Denver, CO", "Remote", WorkplaceType.HYBRID, False),
        ("Remote - Canada", "Remote, US", None, False),
        ("Remote", "Remote, US", None, True),
        ("San Francisco, CA", "Remote, United States", WorkplaceType.REMOTE, True),
        ("", "Austin, TX", None, True),  # no place named: kept, as an undated posting is
    ],
)
def test_location(location: str, search: str, workplace: WorkplaceType | None, kept: bool) -> None:
    assert _located(location, search, workplace) is kept


@pytest.mark.parametrize(
    ("posted", "days", "kept"),
    [
        (TODAY, 1, True),
        (date(2026, 6, 16), 1, True),  # dates have no time: yesterday may be within 24 hours
        (date(2026, 6, 15), 1, False),
        (date(2026, 6, 10), 7, True),
        (date(2026, 6, 9), 7, False),
        (date(2026, 6, 9), 7.5, True),
        (None, 1, True),  # no date: kept
    ],
)
def test_posted_within(posted: date | None, days: float, kept: bool) -> None:
    card = JobRef(source="g:x", job_id="1", url="", title="Data Scientist", posted_at=posted)
    assert matches_query(card, SearchQuery(query="data scientist", post_time=days), today=TODAY) is kept


async def test_on_a_generated_board_the_rule_keeps_every_data_scientist_and_nothing_else() -> None:
    board = Board(BoardConfig(seed=11, now=datetime(2026, 6, 17, 12, tzinfo=UTC), board_jobs=120))
    postings = board.ats.expected("ashby", "acme")
    query = SearchQuery(query="Data Scientist", post_time=365)
    kept = {p.title for p in postings if matches_query(p, query, today=TODAY)}
    assert kept == {p.title for p in postings if "Data Scientist" in p.title}
    assert kept and len(kept) < len({p.title for p in postings})
