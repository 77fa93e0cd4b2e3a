"""Proxies and user agents: requests rotate through proxies, a throttled proxy rests, jobmatch looks like a browser."""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path

import pytest

from jobmatch.config import Settings
from jobmatch.sources import PoliteClient
from jobmatch.testing._proxy import ForwardProxy
from jobmatch.testing.board import Board, BoardConfig
from tests.conftest import make_settings


async def test_a_banned_proxy_rests_and_requests_move_on_through_the_others(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    board = Board(BoardConfig(count=30, seed=5))
    banned, *good = [
        ForwardProxy(source="127.0.0.2", banned=True),
        ForwardProxy("127.0.0.3"),
        ForwardProxy("127.0.0.4"),
    ]
    url = await board.start()
    proxy_urls = [await proxy.start() for proxy in (banned, *good)]
    # The banned proxy's URL carries credentials, as a paid proxy's does: they must never reach a log line.
    proxy_urls[0] = proxy_urls[0].replace("http://", "http://user:s3cret@")
    settings = make_settings(home, url, proxies=tuple(proxy_urls), proxy_rest_seconds=60)
    postings = board.listed()[:8]
    try:
        with caplog.at_level(logging.INFO, logger="jobmatch.sources"):
            async with PoliteClient(settings) as client:
                answers = await asyncio.wait_for(
                    asyncio.gather(*(client.get(posting.url) for posting in postings)), timeout=20
                )
    finally:
        for proxy in (banned, *good):
            await proxy.stop()
        await board.stop()
    assert [answer.status_code for answer in answers] == [200] * len(postings)
    assert banned.requests >= 1 and all(proxy.requests > 0 for proxy in good)
    assert sum(proxy.requests for proxy in good) == len(postings)  # after its 999 the banned one rested
    moved = [r.getMessage() for r in caplog.records if "moving to the next proxy" in r.getMessage()]
    assert moved and all("HTTP 999" in line for line in moved)
    assert all("s3cret" not in record.getMessage() for record in caplog.records)


async def test_without_proxies_requests_go_direct(home: Path) -> None:
    async with Board(BoardConfig(count=5, seed=1)) as board:
        async with PoliteClient(make_settings(home, board.url)) as client:
            answer = await client.get(board.listed()[0].url)
    assert answer.status_code == 200


def test_jobmatch_presents_a_current_browsers_user_agent_unless_told_one(home: Path) -> None:
    drawn = {
        agent for seed in range(20) for agent in PoliteClient(make_settings(home), rng=random.Random(seed)).user_agents
    }
    assert len(drawn) > 3  # not one string every jobmatch shares
    # Real browsers' agents, from the maintained set: never an HTTP library's, nor one string every jobmatch shares.
    assert all(agent.startswith("Mozilla/5.0 (") and "python" not in agent.lower() for agent in drawn), drawn
    chosen = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0"
    assert PoliteClient(make_settings(home, user_agent=chosen)).user_agents == [chosen]


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "127.0.0.1:3128", "http://"])
def test_a_proxy_that_is_not_an_http_url_names_the_setting(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMATCH_PROXIES", f"http://127.0.0.1:3128, {value}")
    with pytest.raises(ValueError, match="proxies"):
        Settings()
