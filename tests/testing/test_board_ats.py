"""The fake board's Greenhouse, Lever and Ashby APIs, read over loopback HTTP as their real clients read them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from jobmatch.testing._board_content import OCCUPATIONS, OFFICE
from jobmatch.testing.board import Board, BoardConfig

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


async def test_greenhouse_lists_a_board_and_escapes_its_content_as_greenhouse_does() -> None:
    async with (
        Board(BoardConfig(seed=1, now=NOW, board_jobs=25)) as board,
        httpx.AsyncClient(base_url=board.url) as client,
    ):
        bare = (await client.get("/v1/boards/acme/jobs")).json()
        full = (await client.get("/v1/boards/acme/jobs", params={"content": "true"})).json()
        assert bare["meta"] == {"total": 25} and len(bare["jobs"]) == 25
        assert "content" not in bare["jobs"][0] and "departments" not in bare["jobs"][0]
        job = full["jobs"][0]
        assert {"id", "title", "updated_at", "first_published", "location", "absolute_url", "company_name"} <= set(job)
        assert job["content"].startswith("&lt;div class=&quot;content-intro&quot;&gt;&lt;p&gt;")
        assert all("<" not in j["content"] for j in full["jobs"])
        # A literal "&" in the text is "&amp;" in the HTML, and Greenhouse escapes that again.
        assert any("&amp;amp;" in j["content"] for j in full["jobs"])
        assert job["first_published"].endswith("-04:00") and isinstance(job["id"], int)
        detail = (await client.get(f"/v1/boards/acme/jobs/{job['id']}", params={"pay_transparency": "true"})).json()
        assert detail["content"] == job["content"] and "pay_input_ranges" in detail
        assert all({"min_cents", "max_cents", "currency_type", "title"} <= set(r) for r in detail["pay_input_ranges"])
        assert "pay_input_ranges" not in (await client.get(f"/v1/boards/acme/jobs/{job['id']}")).json()


async def test_each_api_answers_an_unknown_board_with_its_own_404() -> None:
    async with Board(BoardConfig(now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        greenhouse = await client.get("/v1/boards/missing-acme/jobs", params={"content": "true"})
        assert greenhouse.status_code == 404 and greenhouse.json() == {"status": 404, "error": "Job board not found"}
        job = await client.get("/v1/boards/acme/jobs/1")
        assert job.status_code == 404 and job.json() == {"status": 404, "error": "Job not found"}
        lever = await client.get("/v0/postings/missing", params={"mode": "json"})
        assert lever.status_code == 404 and lever.json() == {"ok": False, "error": "Document not found"}
        ashby = await client.get("/posting-api/job-board/missingco", params={"includeCompensation": "true"})
        assert ashby.status_code == 404 and ashby.headers["content-type"].startswith("text/plain")


async def test_lever_pages_with_skip_and_limit_and_dates_in_milliseconds() -> None:
    async with (
        Board(BoardConfig(seed=2, now=NOW, board_jobs=23)) as board,
        httpx.AsyncClient(base_url=board.url) as client,
    ):
        pages = []
        for skip in (0, 10, 20, 30):
            response = await client.get("/v0/postings/acme", params={"mode": "json", "skip": skip, "limit": 10})
            pages.append(response.json())
        assert [len(page) for page in pages] == [10, 10, 3, 0]
        ids = [p["id"] for page in pages for p in page]
        assert len(set(ids)) == 23
        whole = (await client.get("/v0/postings/acme", params={"mode": "json"})).json()
        assert [p["id"] for p in whole] == ids
        posting = whole[0]
        assert datetime.fromtimestamp(posting["createdAt"] / 1000, UTC) <= NOW
        assert posting["createdAt"] > 1_700_000_000_000  # milliseconds, not seconds
        assert posting["workplaceType"] in {"on-site", "remote", "hybrid"}
        assert {"location", "commitment", "team", "department", "allLocations"} <= set(posting["categories"])
        assert all(item["content"].startswith("<li>") for item in posting["lists"])
        one = (await client.get(f"/v0/postings/acme/{posting['id']}")).json()
        assert one == posting


async def test_ashby_lists_unlisted_jobs_with_compensation_tiers() -> None:
    config = BoardConfig(seed=3, now=NOW, board_jobs=30, unlisted_rate=0.3)
    async with Board(config) as board, httpx.AsyncClient(base_url=board.url) as client:
        data = (await client.get("/posting-api/job-board/Acme", params={"includeCompensation": "true"})).json()
    assert data["apiVersion"] == "1" and len(data["jobs"]) == 30
    unlisted = [job for job in data["jobs"] if not job["isListed"]]
    assert unlisted and len(board.ats.expected("ashby", "Acme")) == 30 - len(unlisted)
    paid = [job for job in data["jobs"] if job["compensation"]["compensationTiers"]]
    component = paid[0]["compensation"]["compensationTiers"][0]["components"][0]
    assert component["compensationType"] == "Salary" and component["interval"] in {"1 YEAR", "1 HOUR"}
    assert {job["workplaceType"] for job in data["jobs"]} <= {"OnSite", "Remote", "Hybrid"}


async def test_the_same_seed_and_name_give_the_same_board_and_names_differ() -> None:
    config = BoardConfig(seed=4, now=NOW, board_jobs=12)
    first, second = Board(config), Board(config)
    assert first.ats.expected("lever", "acme") == second.ats.expected("lever", "acme")
    titles = {p.title for p in first.ats.expected("greenhouse", "acme")}
    assert titles != {p.title for p in first.ats.expected("greenhouse", "globex")}
    # Every occupation is on every board of a dozen jobs or more: data roles and office roles side by side.
    assert titles & set(OFFICE.titles) and titles & set(OCCUPATIONS[0].titles)


async def test_faults_and_rate_limits_apply_to_the_company_boards_but_blocks_do_not() -> None:
    config = BoardConfig(now=NOW, board_jobs=3, fault_rate=1.0, fault_kinds=("503",), block="999")
    async with Board(config) as board, httpx.AsyncClient(base_url=board.url) as client:
        statuses = [(await client.get("/posting-api/job-board/acme")).status_code for _ in range(2)]
        assert statuses == [503, 200]  # faulted once, as a posting would be
        assert (await client.get("/jobs/search")).status_code == 999
    limited = BoardConfig(now=NOW, board_jobs=3, rate_limit=2, retry_after=3)
    async with Board(limited) as board, httpx.AsyncClient(base_url=board.url) as client:
        answers = await asyncio.gather(*(client.get("/v1/boards/acme/jobs") for _ in range(4)))
        refused = [r for r in answers if r.status_code == 429]
        assert refused and all(r.headers["retry-after"] == "3" for r in refused)
        assert board.stats.rate_limited == len(refused)
