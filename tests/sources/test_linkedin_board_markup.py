"""The LinkedIn parser on the project's own fixtures: everything the fake board serves reads back unchanged."""

from __future__ import annotations

import httpx
import pytest

from jobmatch.models import JobRef
from jobmatch.sources.linkedin import parse_posting, parse_search_page
from jobmatch.testing.board import Board, BoardConfig


@pytest.fixture
async def board():
    async with Board(BoardConfig(count=25, seed=21, closed_rate=0.2)) as running:
        yield running


async def test_cards_read_back_as_served(board: Board) -> None:
    async with httpx.AsyncClient(base_url=board.url) as client:
        response = await client.get(
            "/jobs-guest/jobs/api/seeMoreJobPostings/search",
            params={"keywords": "x", "f_TPR": f"r{60 * 86400}", "start": 0},
        )
    refs = parse_search_page(response.text, board.url)
    served = board.page(0, 60 * 86400)
    assert [(r.job_id, r.title, r.company, r.location, r.posted_at) for r in refs] == [
        (p.job_id, p.title, p.company, p.location, p.posted_at) for p in served
    ]


@pytest.mark.parametrize("route", ["/jobs-guest/jobs/api/jobPosting/{id}", "/jobs/view/{id}"])
async def test_postings_read_back_as_served(board: Board, route: str) -> None:
    async with httpx.AsyncClient(base_url=board.url) as client:
        for served in board.postings:
            response = await client.get(route.format(id=served.job_id))
            ref = JobRef(source="linkedin", job_id=served.job_id, url=served.url)
            posting = parse_posting(response.text, ref)
            assert (posting.title, posting.company, posting.location) == (served.title, served.company, served.location)
            assert posting.description.splitlines() == [
                line for line in served.description.splitlines() if line.strip()
            ]
            assert (posting.seniority, posting.employment_type, posting.closed) == (
                served.seniority,
                served.employment_type,
                served.closed,
            )
    assert any(p.closed for p in board.postings) and not all(p.closed for p in board.postings)
