"""`jobmatch boards` and `jobmatch search --source` as a user runs them, on the command line's own watchlist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import assert_one_line_error, run_cli


def test_boards_add_list_remove_keep_the_local_watchlist(tmp_path: Path) -> None:
    assert run_cli("boards", "add", "Lever:globex", home=tmp_path).returncode == 0
    again = run_cli("boards", "add", "lever:globex", home=tmp_path)
    assert again.returncode == 0 and "already" in again.stderr
    assert run_cli("boards", "add", "ashby:initech", home=tmp_path).returncode == 0
    assert run_cli("boards", "list", home=tmp_path).stdout.split() == ["lever:globex", "ashby:initech"]
    assert_one_line_error(run_cli("boards", "add", "linkedin", home=tmp_path), "not a company board")
    assert_one_line_error(run_cli("boards", "add", "monster:x", home=tmp_path), "unknown source 'monster:x'")
    assert run_cli("boards", "remove", "lever:globex", home=tmp_path).returncode == 0
    assert_one_line_error(run_cli("boards", "remove", "lever:globex", home=tmp_path), "not on the watchlist")
    assert run_cli("boards", "list", home=tmp_path).stdout.split() == ["ashby:initech"]


def test_search_of_an_empty_watchlist_or_an_unknown_source_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "Nurse", "--source", "watchlist", home=tmp_path), "watchlist is empty")
    assert_one_line_error(run_cli("search", "Nurse", "--source", "indeed", home=tmp_path), "--source", "'indeed'")


@pytest.mark.model
def test_search_reads_the_watchlist_and_linkedin_and_counts_each_source(tmp_path: Path) -> None:
    from jobmatch.testing.board import Board, BoardConfig

    board = Board(BoardConfig(count=20, seed=4, board_jobs=50))
    assert run_cli("boards", "add", "greenhouse:acme", home=tmp_path).returncode == 0
    assert run_cli("boards", "add", "lever:missing-co", home=tmp_path).returncode == 0
    with board.running_in_thread() as url:
        urls = ("LINKEDIN", "GREENHOUSE", "LEVER", "ASHBY")
        env = {**{f"JOBMATCH_{name}_URL": url for name in urls}, "JOBMATCH_PAGE_DELAY": "0"}
        args = ("search", "Engineer", "--post-time", "30", "--source", "watchlist", "--source", "linkedin")
        result = run_cli(*args, "--format", "json", home=tmp_path, env=env)
    assert result.returncode == 3, result.stderr  # succeeded, but one board could not be read
    assert "greenhouse:acme: listed" in result.stderr and "lever:missing-co: listed 0" in result.stderr
    assert "note: lever:missing-co could not be read" in result.stderr
    report = json.loads(result.stdout)
    assert report["query"]["sources"] == ["greenhouse:acme", "lever:missing-co", "linkedin"]
    assert report["by_source"]["greenhouse:acme"]["fetched"] > 0 and report["counts"]["filtered"] > 0
