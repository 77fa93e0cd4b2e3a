"""A watch over the fake board, end to end: the board grows, exactly its new postings above the threshold are
reported and notified (by email and webhook, real receivers on loopback), once; a run with nothing new sends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jobmatch.models import NotifyStatus, PostingState, SearchQuery, WatchRun
from jobmatch.pipeline import follow, load_report
from jobmatch.pipeline.local import LocalRunner
from jobmatch.ranking import Ranker
from jobmatch.store.sql import SqlStore
from jobmatch.testing.board import Board, BoardConfig, generate_postings
from jobmatch.watches import Watches, WatchPatch, WatchSpec
from tests.conftest import make_settings
from tests.watches.receivers import smtp_server, webhook_server

pytestmark = pytest.mark.model

OWNER = "key1"


@pytest.fixture
async def board() -> AsyncIterator[Board]:
    async with Board(BoardConfig(count=20, seed=5)) as running:
        yield running


async def run_to_report(watches: Watches, runner: LocalRunner, store: SqlStore) -> WatchRun:
    """Start the due run, follow its search to the end, report it."""
    (run,) = watches.sweep().started
    await follow(runner, store, run.execution_id, within=120)
    (reported,) = watches.report_ended()
    return reported


async def test_only_what_is_new_above_the_threshold_is_reported_and_notified_once(home: Path, board: Board) -> None:
    settings = make_settings(home, board.url, watch_notify_retry_delay=0.0)
    store = SqlStore(settings.database_url)
    runner = LocalRunner(settings, store, Ranker(settings, cache=store))
    watches = Watches(settings, store, runner)
    with smtp_server() as mailbox, webhook_server() as hook:
        watch = watches.create(
            OWNER,
            WatchSpec(
                name="Data jobs",
                search=SearchQuery(query="Data Scientist", pages=5, post_time=60, top_n=200),
                schedule="1d",
                notify=[hook.url, mailbox.url],
            ),
        )
        first = await run_to_report(watches, runner, store)
        first_view = watches.run_view(OWNER, watch.id, first.id)
        open_first = [m for m in first_view.matches if not m.closed]
        assert first.new_count == len(open_first) == len(first.new) > 0  # min_score 0: every open match is new
        assert (first.notify_status, len(hook.bodies), len(mailbox.messages)) == (NotifyStatus.SENT, 1, 1)

        # The job seeker raises the bar to the middle of what they saw, dismisses one posting and applies to one.
        scores = sorted(m.score for m in first_view.matches)
        threshold = scores[len(scores) // 2]
        watches.update(OWNER, watch.id, WatchPatch(min_score=threshold))
        dismissed, applied = open_first[0], open_first[1]
        watches.mark(OWNER, dismissed.source, dismissed.job_id, PostingState.DISMISSED)
        watches.mark(OWNER, applied.source, applied.job_id, PostingState.APPLIED)

        added = {p.job_id for p in board.add_postings(generate_postings(30, seed=99))}
        second_run = watches.run_now(OWNER, watch.id)
        await follow(runner, store, second_run.execution_id, within=120)
        (second,) = watches.report_ended()
        view = watches.run_view(OWNER, watch.id, second.id)
        ranked = load_report(store, second.execution_id).matches
        expected = {
            f"linkedin:{m.job_id}" for m in ranked if m.job_id in added and m.score >= threshold and not m.closed
        }
        assert expected and set(second.new) == expected
        assert all(m.new for m in view.matches[: len(expected)])  # new first...
        assert not any(m.new for m in view.matches[len(expected) :])  # ...then the earlier ones still open
        shown = {m.job_id: m for m in view.matches}
        assert dismissed.job_id not in shown
        assert shown[applied.job_id].status is PostingState.APPLIED
        assert (second.notify_status, len(hook.bodies), len(mailbox.messages)) == (NotifyStatus.SENT, 2, 2)
        message = hook.bodies[-1]
        assert f"{len(expected)} new match" in message["title"]
        newest = next(m for m in view.matches if m.new)
        assert newest.title in message["message"] and newest.url in message["message"]
        assert f"/v1/watches/{watch.id}/runs/{second.id}/report.html?token={watch.feed_token}" in message["message"]
        page = watches.run_report_html(watch.id, second.id, watch.feed_token)
        assert page.count('class="badge new"') == len(expected) and ">applied</span>" in page
        mail = mailbox.messages[-1]
        assert f"{len(expected)} new match" in mail["Subject"]

        third_run = watches.run_now(OWNER, watch.id)
        await follow(runner, store, third_run.execution_id, within=120)
        (third,) = watches.report_ended()
        assert (third.new_count, third.notify_status) == (0, NotifyStatus.NONE)
        assert (len(hook.bodies), len(mailbox.messages)) == (2, 2)  # nothing new: nothing sent
    store.close()
