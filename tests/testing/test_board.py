"""The fake LinkedIn board, exercised over real loopback HTTP with httpx and parsed with selectolax."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from jobmatch.jobfiles import load_postings
from jobmatch.models import JobPosting
from jobmatch.testing.board import FAULT_KINDS, Board, BoardConfig, generate_postings

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / ".." / "shared" / "fixtures" / "linkedin"
SEED_JOBS = REPO / ".." / "shared" / "data" / "jobs" / "jobs_seed_output.json"
SEARCH = "/jobs-guest/jobs/api/seeMoreJobPostings/search"
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
CARD = "div.base-card.base-search-card.job-search-card"
CRITERIA = {"Seniority level", "Employment type", "Job function", "Industries"}


def _text(node: Node | None) -> str:
    assert node is not None
    return node.text(strip=True)


def _cards(html: str) -> list[dict[str, str]]:
    """A search page's cards, read with the selectors the scraper uses."""
    cards = []
    for card in HTMLParser(html).css(CARD):
        listdate = card.css_first("time.job-search-card__listdate, time.job-search-card__listdate--new")
        assert listdate is not None
        link = card.css_first("a.base-card__full-link")
        assert link is not None
        cards.append(
            {
                "id": (card.attributes.get("data-entity-urn") or "").rsplit(":", 1)[-1],
                "href": link.attributes.get("href") or "",
                "title": _text(card.css_first("h3.base-search-card__title")),
                "company": _text(card.css_first("h4.base-search-card__subtitle a")),
                "location": _text(card.css_first("span.job-search-card__location")),
                "datetime": listdate.attributes.get("datetime") or "",
                "new": str("job-search-card__listdate--new" in (listdate.attributes.get("class") or "")),
                "ago": _text(listdate),
            }
        )
    return cards


async def _all_ids(client: httpx.AsyncClient, params: dict[str, str] | None = None) -> list[str]:
    """Page like a correct scraper: start = cards returned so far, until an empty body."""
    ids: list[str] = []
    while True:
        response = await client.get(SEARCH, params={**(params or {}), "start": len(ids)})
        assert response.status_code == 200
        if not response.content:
            return ids
        ids += [card["id"] for card in _cards(response.text)]


async def test_search_page_sets_linkedin_cookies_and_counts_csrf() -> None:
    async with Board(BoardConfig(count=12, now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        response = await client.get("/jobs/search", params={"keywords": "nurse", "location": "Boston, MA"})
        assert response.status_code == 200 and response.text.startswith("<!DOCTYPE html>")
        assert len(HTMLParser(response.text).css(f"ul.jobs-search__results-list > li {CARD}")) == 10
        raw = response.headers.get_list("set-cookie")
        assert any(re.fullmatch(r'JSESSIONID="ajax:\d+"; Path=/; SameSite=Lax', c) for c in raw)
        assert {"JSESSIONID", "bcookie", "lang"} <= set(client.cookies)
        token = client.cookies["JSESSIONID"].strip('"')
        assert token.startswith("ajax:")
        await client.get(SEARCH, params={"start": 0}, headers={"Csrf-Token": token})
        await client.get(f"/jobs-guest/jobs/api/jobPosting/{board.postings[0].job_id}", headers={"Csrf-Token": token})
        await client.get(SEARCH, params={"start": 0}, headers={"Csrf-Token": "ajax:123"})
        await client.get(SEARCH, params={"start": 0})
        again = await client.get("/jobs/search")  # the cookie comes back: no new session
        assert not any(c.startswith("JSESSIONID") for c in again.headers.get_list("set-cookie"))
        assert (board.stats.csrf_ok, board.stats.csrf_bad, board.stats.sessions) == (2, 1, 1)
        assert board.stats.connections == 1  # keep-alive: one connection carried every request


async def test_search_fragment_cards_parse_and_match_postings() -> None:
    async with Board(BoardConfig(count=25, now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        response = await client.get(SEARCH, params={"keywords": "", "location": "", "start": 0})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.startswith("<!DOCTYPE html>") and "<html" not in response.text
        assert "&amp;pageNum=0&amp;refId=" in response.text
        cards = _cards(response.text)
        expected = board.page(0)
        assert [card["id"] for card in cards] == [p.job_id for p in expected] == [p.job_id for p in board.postings[:10]]
        for card, posting in zip(cards, expected, strict=True):
            assert re.fullmatch(r"\d{10}", card["id"])
            assert card["href"].startswith(f"{posting.url}?position=")
            assert card["href"].startswith(f"{board.url}/jobs/view/") and "&trackingId=" in card["href"]
            assert (card["title"], card["company"], card["location"]) == (
                posting.title,
                posting.company,
                posting.location,
            )
            assert card["datetime"] == str(posting.posted_at)
            assert re.fullmatch(r"\d+ (minute|hour|day|week|month)s? ago", card["ago"])
            assert card["new"] == str(board.age_seconds(posting.job_id) < 86400)


async def test_paging_ends_with_empty_body_and_refuses_start_1000() -> None:
    async with Board(BoardConfig(count=25, now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        sizes = [len(_cards((await client.get(SEARCH, params={"start": s})).text)) for s in (0, 10, 20)]
        assert sizes == [10, 10, 5]
        past = await client.get(SEARCH, params={"start": 25})
        assert past.status_code == 200 and past.content == b""
        assert (await client.get(SEARCH, params={"start": 990})).content == b""
        assert (await client.get(SEARCH, params={"start": 1000})).status_code == 400
        assert (await client.get(SEARCH, params={"start": 5000})).status_code == 400
        assert await _all_ids(client) == [p.job_id for p in board.postings]


async def test_f_tpr_omits_older_postings() -> None:
    async with Board(BoardConfig(count=40, now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        week = 7 * 86400
        ids = await _all_ids(client, {"f_TPR": f"r{week}"})
        expected = [p.job_id for p in board.postings if board.age_seconds(p.job_id) <= week]
        assert ids == expected and 0 < len(ids) < 40
        day = await _all_ids(client, {"f_TPR": "r86400"})
        assert set(day) < set(ids) and all(board.age_seconds(i) <= 86400 for i in day)


async def test_repeated_cards_and_short_pages() -> None:
    config = BoardConfig(count=40, now=NOW, repeat_cards=2, short_page_rate=0.5, seed=3)
    async with Board(config) as board, httpx.AsyncClient(base_url=board.url) as client:
        first = _cards((await client.get(SEARCH, params={"start": 0})).text)
        second = _cards((await client.get(SEARCH, params={"start": len(first)})).text)
        assert [c["id"] for c in first[-2:]] == [c["id"] for c in second[:2]]
        ids = await _all_ids(client)
        assert len(ids) > len(set(ids)) and list(dict.fromkeys(ids)) == [p.job_id for p in board.postings]
        sizes, start = [], 0
        while page := board.page(start):
            sizes.append(len(page))
            start += len(page)
        assert any(size < 10 for size in sizes[:-1])  # short pages before the last one


async def test_posting_fragment_open_and_closed() -> None:
    postings = generate_postings(12, seed=5, now=NOW)
    postings[1] = postings[1].model_copy(update={"closed": True})
    postings[2] = postings[2].model_copy(update={"closed": False})
    async with Board(BoardConfig(now=NOW), postings) as board, httpx.AsyncClient(base_url=board.url) as client:
        styles = set()
        for posting in board.postings:
            response = await client.get(f"/jobs-guest/jobs/api/jobPosting/{posting.job_id}")
            assert response.status_code == 200 and "<html" not in response.text
            tree = HTMLParser(response.text)
            assert _text(tree.css_first("h2.top-card-layout__title")) == posting.title
            assert _text(tree.css_first("a.topcard__org-name-link")) == posting.company
            assert _text(tree.css_first("span.topcard__flavor--bullet")) == posting.location
            assert _text(tree.css_first("span.posted-time-ago__text")).endswith(" ago")
            markup = tree.css_first("div.show-more-less-html__markup")
            assert markup is not None and "About the role" in markup.text()
            styles.add("p" if markup.css_first("p") else "br")
            criteria = {
                _text(item.css_first("h3.description__job-criteria-subheader")): _text(
                    item.css_first("span.description__job-criteria-text")
                )
                for item in tree.css("ul.description__job-criteria-list li.description__job-criteria-item")
            }
            assert criteria == {
                "Seniority level": posting.seniority,
                "Employment type": posting.employment_type,
                "Job function": posting.job_function,
                "Industries": posting.industries,
            }
            closed = tree.css_first("figure.closed-job figcaption")
            apply = tree.css_first("button.top-card-layout__cta--primary")
            if posting.closed:
                assert _text(closed) == "No longer accepting applications" and apply is None
            else:
                assert closed is None and "Apply" in _text(apply)
        assert styles == {"p", "br"}
        assert (await client.get("/jobs-guest/jobs/api/jobPosting/1234567890")).status_code == 404


async def test_full_job_page_has_h1_canonical_and_similar_jobs() -> None:
    async with Board(BoardConfig(count=10, now=NOW)) as board, httpx.AsyncClient(base_url=board.url) as client:
        posting = board.postings[3]
        for path in (
            posting.url.removeprefix(board.url),
            f"/jobs/view/{posting.job_id}",
            f"/jobs/view/{posting.job_id}/?trk=x",
        ):
            response = await client.get(path)
            assert response.status_code == 200 and response.text.startswith("<!DOCTYPE html>")
            tree = HTMLParser(response.text)
            canonical = tree.css_first('link[rel="canonical"]')
            assert canonical is not None and canonical.attributes["href"] == posting.url
            assert _text(tree.css_first("h1.top-card-layout__title")) == posting.title
            assert _text(tree.css_first("a.topcard__org-name-link")) == posting.company
            assert tree.css_first("div.show-more-less-html__markup") is not None
            similar = [
                (c.attributes.get("data-entity-urn") or "").rsplit(":", 1)[-1]
                for c in tree.css("section.similar-jobs div.base-card[data-entity-urn]")
            ]
            assert len(similar) == 6 and posting.job_id not in similar
            assert all(job_id in {p.job_id for p in board.postings} for job_id in similar)
        assert (await client.get("/jobs/view/some-job-at-nowhere-1111111111")).status_code == 404
        assert board.stats.job_fetches == {posting.job_id: 3}


async def test_text_is_escaped() -> None:
    hostile = JobPosting(
        source="file",
        job_id="x1",
        url="",
        title='Engineer <b>"R&D"</b>',
        company="Smith & <Sons>",
        location="Austin, TX",
        description="Intro <script>alert(1)</script> & more.\n- bullet <i>x</i> & y.",
        seniority="Mid-Senior level",
        employment_type="Full-time",
        job_function="Engineering",
        industries="A & B",
    )
    async with Board(BoardConfig(now=NOW), [hostile]) as board, httpx.AsyncClient(base_url=board.url) as client:
        job_id = board.postings[0].job_id
        assert re.fullmatch(r"\d{10}", job_id)  # a non-numeric id gets a numeric one the URLs can carry
        pages = [
            (await client.get(path)).text
            for path in (f"{SEARCH}?start=0", f"/jobs-guest/jobs/api/jobPosting/{job_id}", f"/jobs/view/{job_id}")
        ]
        for html in pages:
            assert "<script>" not in html and "<b>" not in html and "<Sons>" not in html
            assert "&lt;script&gt;" in html or html is pages[0]
        assert _cards(pages[0])[0]["title"] == hostile.title
        assert _cards(pages[0])[0]["company"] == hostile.company
        fragment = HTMLParser(pages[1])
        assert _text(fragment.css_first("h2.top-card-layout__title")) == hostile.title
        assert "<script>alert(1)</script> & more." in _text(fragment.css_first("div.show-more-less-html__markup"))
        assert _text(fragment.css_first("div.show-more-less-html__markup li")) == "bullet <i>x</i> & y."


async def test_each_fault_kind_fails_its_first_attempts_then_succeeds() -> None:
    config = BoardConfig(count=len(FAULT_KINDS), now=NOW, fault_rate=1.0, fault_attempts=2, stall_seconds=0.3)
    async with Board(config) as board:
        assert sorted(board.faults.values()) == sorted(FAULT_KINDS)
        for job_id, kind in board.faults.items():
            path = f"{board.url}/jobs-guest/jobs/api/jobPosting/{job_id}"
            for _attempt in range(2):
                async with httpx.AsyncClient(timeout=5) as client:
                    began = time.monotonic()
                    if kind in ("reset", "stall", "truncate"):
                        with pytest.raises(httpx.TransportError):
                            await client.get(path)
                        if kind == "stall":
                            assert time.monotonic() - began >= 0.3
                    else:
                        response = await client.get(path)
                        assert response.status_code == int(kind)
                        if kind == "429":
                            assert response.headers["Retry-After"] == "1"
            async with httpx.AsyncClient(timeout=5) as client:  # the fallback route shares the attempt count
                response = await client.get(f"{board.url}/jobs/view/{job_id}")
                assert response.status_code == 200, kind
        assert board.stats.faults == {kind: 2 for kind in FAULT_KINDS}
        assert all(n == 3 for n in board.stats.job_fetches.values())


async def test_search_faults_and_missing_fragments() -> None:
    config = BoardConfig(count=6, now=NOW, search_fault_rate=1.0, fault_kinds=("503",), missing_fragment_rate=1.0)
    async with Board(config) as board, httpx.AsyncClient(base_url=board.url) as client:
        assert board.search_fault(0) == "503"
        assert (await client.get(SEARCH, params={"start": 0})).status_code == 503
        assert len(_cards((await client.get(SEARCH, params={"start": 0})).text)) == 6
        assert set(board.missing_fragments.values()) == {"404", "empty"}
        for job_id, kind in board.missing_fragments.items():
            fragment = await client.get(f"/jobs-guest/jobs/api/jobPosting/{job_id}")
            assert (fragment.status_code, fragment.content) == (
                (404, fragment.content) if kind == "404" else (200, b"")
            )
            page = await client.get(f"/jobs/view/{job_id}")
            assert page.status_code == 200 and HTMLParser(page.text).css_first("h1.top-card-layout__title")


async def test_rate_limit_answers_429_with_retry_after() -> None:
    async with (
        Board(BoardConfig(count=5, now=NOW, rate_limit=3, retry_after=2)) as board,
        httpx.AsyncClient(base_url=board.url) as client,
    ):
        codes = [(await client.get(SEARCH, params={"start": 0})) for _ in range(5)]
        assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
        assert codes[3].headers["Retry-After"] == "2"
        assert board.stats.rate_limited == 2
        await asyncio.sleep(1.05)
        assert (await client.get(SEARCH, params={"start": 0})).status_code == 200


async def test_max_in_flight_counts_concurrent_job_requests() -> None:
    async with (
        Board(BoardConfig(count=8, now=NOW, latency=0.3)) as board,
        httpx.AsyncClient(base_url=board.url, limits=httpx.Limits(max_connections=5)) as client,
    ):
        began = time.monotonic()
        responses = await asyncio.gather(*(client.get(f"/jobs/view/{p.job_id}") for p in board.postings))
        assert all(r.status_code == 200 for r in responses)
        assert board.stats.max_in_flight_jobs == 5 and board.stats.in_flight_jobs == 0
        assert time.monotonic() - began >= 0.6  # two waves of 0.3 s
        board.reset_stats()
        for posting in board.postings[:2]:
            await client.get(f"/jobs-guest/jobs/api/jobPosting/{posting.job_id}")
        await client.get(SEARCH)
        assert board.stats.max_in_flight_jobs == 1 and board.stats.requests == 3


@pytest.mark.parametrize("mode", ["999", "authwall", "signup"])
async def test_block_modes(mode: str) -> None:
    async with (
        Board(BoardConfig(count=5, now=NOW, block=mode)) as board,
        httpx.AsyncClient(base_url=board.url) as client,
    ):
        response = await client.get(SEARCH, params={"start": 0})
        if mode == "999":
            assert response.status_code == 999
        else:
            assert response.status_code == 302
            wall = "/authwall?" if mode == "authwall" else "/signup/cold-join?"
            assert response.headers["Location"].startswith(board.url + wall)
            landed = await client.get(response.headers["Location"])
            assert landed.status_code == 200 and not _cards(landed.text)
        assert board.stats.blocked == 1


async def test_block_after_and_stats_endpoint() -> None:
    async with (
        Board(BoardConfig(count=5, now=NOW, block_after=2)) as board,
        httpx.AsyncClient(base_url=board.url) as client,
    ):
        codes = [(await client.get(SEARCH, params={"start": 0})).status_code for _ in range(4)]
        assert codes == [200, 200, 999, 999]
        stats = (await client.get("/_board/stats")).json()
        assert stats["requests"] == 4 and stats["by_route"] == {"search_api": 4}
        assert stats["by_status"] == {"200": 2, "999": 2} and stats["blocked"] == 2
        assert len((await client.get("/_board/postings")).json()) == 5
        assert (await client.post("/_board/reset")).json() == {"ok": True}
        assert board.stats.requests == 0


def test_running_in_thread_serves_sync_clients() -> None:
    board = Board(BoardConfig(count=3, now=NOW, latency=0.1))
    with board.running_in_thread() as url, httpx.Client(base_url=url) as client:
        began = time.monotonic()
        assert len(_cards(client.get(SEARCH).text)) == 3
        assert time.monotonic() - began >= 0.1
        assert client.head(f"/jobs/view/{board.postings[0].job_id}").content == b""
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


def test_generated_postings_are_deterministic_and_varied() -> None:
    postings = generate_postings(40, seed=7, now=NOW)
    assert postings == generate_postings(40, seed=7, now=NOW)
    assert postings != generate_postings(40, seed=8, now=NOW)
    assert len({p.job_id for p in postings}) == 40 and all(re.fullmatch(r"\d{10}", p.job_id) for p in postings)
    assert len({p.job_function for p in postings}) >= 8
    assert all(300 <= len(p.description.split()) <= 600 for p in postings)
    assert all("\n- " in p.description and "equal" in p.description for p in postings)
    assert len({p.posted_at for p in postings}) >= 8 and any(p.closed for p in postings)
    assert all(p.seniority and p.employment_type and p.industries for p in postings)


@pytest.fixture
def seed_jobs() -> Iterator[list[JobPosting]]:
    if not SEED_JOBS.is_file():
        pytest.skip(f"{SEED_JOBS} is absent")
    yield load_postings(SEED_JOBS)


async def test_serves_postings_from_a_jobs_file(seed_jobs: list[JobPosting]) -> None:
    async with Board(BoardConfig(now=NOW), seed_jobs) as board, httpx.AsyncClient(base_url=board.url) as client:
        assert [p.title for p in board.postings] == [p.title for p in seed_jobs]
        assert len(await _all_ids(client)) == len(seed_jobs)
        posting = board.postings[0]
        tree = HTMLParser((await client.get(f"/jobs-guest/jobs/api/jobPosting/{posting.job_id}")).text)
        assert tree.css_first("div.show-more-less-html__markup li") is not None  # "- " lines became bullets


# -- the board's markup and LinkedIn's real pages agree on what a parser reads ------------------------------

SHAPES = {
    "search": [
        CARD,
        f"{CARD} a.base-card__full-link[href]",
        f"{CARD} h3.base-search-card__title",
        f"{CARD} h4.base-search-card__subtitle a",
        f"{CARD} span.job-search-card__location",
        f"{CARD} time[datetime]",
    ],
    "posting": [
        "h2.top-card-layout__title",
        "a.topcard__org-name-link",
        "span.topcard__flavor--bullet",
        "span.posted-time-ago__text",
        "div.show-more-less-html__markup",
        "ul.description__job-criteria-list li.description__job-criteria-item h3.description__job-criteria-subheader",
        "li.description__job-criteria-item span.description__job-criteria-text",
    ],
    "page": [
        'link[rel="canonical"]',
        "h1.top-card-layout__title",
        "a.topcard__org-name-link",
        "span.topcard__flavor--bullet",
        "div.show-more-less-html__markup",
        "h3.description__job-criteria-subheader",
        "section.similar-jobs div.base-card[data-entity-urn]",
    ],
}


def _shape(html: str, kind: str) -> dict[str, object]:
    tree = HTMLParser(html)
    facts: dict[str, object] = {selector: bool(tree.css(selector)) for selector in SHAPES[kind]}
    if kind == "search":
        cards = tree.css(CARD)
        facts["cards"] = len(cards)
        facts["doctype"] = html.startswith("<!DOCTYPE html>")
        facts["urns"] = all(
            re.fullmatch(r"urn:li:jobPosting:\d+", c.attributes.get("data-entity-urn") or "") for c in cards
        )
        facts["dates"] = all(
            re.fullmatch(r"\d{4}-\d\d-\d\d", t.attributes.get("datetime") or "") for t in tree.css(f"{CARD} time")
        )
        facts["href"] = all(
            re.search(
                r"/jobs/view/[^/?]+-\d+\?position=\d+&pageNum=0&refId=.+&trackingId=", a.attributes.get("href") or ""
            )
            for a in tree.css("a.base-card__full-link")
        )
    else:
        facts["criteria"] = {_text(h) for h in tree.css("h3.description__job-criteria-subheader")} == CRITERIA
        facts["closed"] = [_text(f) for f in tree.css("figure.closed-job figcaption")]
        facts["apply"] = bool(tree.css("button.top-card-layout__cta--primary"))
        facts["h1_in_similar"] = bool(
            tree.css("section.similar-jobs h1, section.similar-jobs h2.top-card-layout__title")
        )
    return facts


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"real LinkedIn fixtures not found at {FIXTURES}")
    return FIXTURES


async def test_markup_agrees_with_real_linkedin_pages(fixtures: Path) -> None:
    def real(prefix: str) -> str:
        return next(fixtures.glob(f"{prefix}*.html")).read_text(encoding="utf-8")

    postings = generate_postings(12, seed=1, now=NOW)
    postings[0] = postings[0].model_copy(update={"closed": False})
    postings[1] = postings[1].model_copy(update={"closed": True})
    async with Board(BoardConfig(now=NOW), postings) as board, httpx.AsyncClient(base_url=board.url) as client:
        open_id, closed_id = board.postings[0].job_id, board.postings[1].job_id
        ours = {
            "search": (await client.get(SEARCH)).text,
            "posting": (await client.get(f"/jobs-guest/jobs/api/jobPosting/{open_id}")).text,
            "closed": (await client.get(f"/jobs-guest/jobs/api/jobPosting/{closed_id}")).text,
            "page": (await client.get(f"/jobs/view/{open_id}")).text,
        }
    theirs = {
        "search": real("search_fragment"),
        "posting": real("jobposting_fragment__"),
        "closed": real("jobposting_fragment_CLOSED"),
        "page": real("jobview_full_page"),
    }
    for name, kind in (("search", "search"), ("posting", "posting"), ("closed", "posting"), ("page", "page")):
        real_shape, our_shape = _shape(theirs[name], kind), _shape(ours[name], kind)
        assert our_shape == real_shape, name
        assert all(value for key, value in real_shape.items() if key in SHAPES[kind]), name
