"""The command line as a user runs it: real processes, one clear line for each mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

JOBMATCH = [sys.executable, "-m", "jobmatch.cli"]


def run_cli(
    *args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "JOBMATCH_HOME": str(home), "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **(env or {})}
    environment.pop("JOBMATCH_DATABASE_URL", None)
    return subprocess.run([*JOBMATCH, *args], capture_output=True, text=True, env=environment, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) >= 1 and lines[-1].startswith("error:"), result.stderr
    for needle in needles:
        assert needle in lines[-1], result.stderr


def test_negative_pages_names_the_option(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "Data Scientist", "--pages", "-1", home=tmp_path), "--pages")


def test_unknown_format_lists_the_choices(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "Data Scientist", "--format", "xml", home=tmp_path), "--format", "json")


def test_unreadable_resume_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "cv.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    assert_one_line_error(run_cli("search", "Data Scientist", "--resume", str(broken), home=tmp_path), "cv.pdf")
    assert_one_line_error(
        run_cli("search", "Data Scientist", "--resume", str(tmp_path / "missing.docx"), home=tmp_path), "missing.docx"
    )


def test_bad_word_score_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("search", "x", "--word-score", "phd", home=tmp_path), "--word-score")
    assert_one_line_error(run_cli("search", "x", "--word-score", "phd=0", home=tmp_path), "--word-score")


def test_unreachable_board_fails_with_the_reason(tmp_path: Path) -> None:
    result = run_cli(
        "search",
        "Data Scientist",
        "--pages",
        "1",
        home=tmp_path,
        env={
            "JOBMATCH_LINKEDIN_URL": "http://127.0.0.1:9",
            "JOBMATCH_RETRY_INTERVAL": "0.01",
            "JOBMATCH_PAGE_DELAY": "0",
        },
    )
    assert_one_line_error(result, "failed", "connect")


def test_bad_setting_names_the_variable(tmp_path: Path) -> None:
    result = run_cli("search", "x", home=tmp_path, env={"JOBMATCH_PAGE_DELAY": "soon"})
    assert_one_line_error(result, "JOBMATCH_PAGE_DELAY")


@pytest.mark.model
def test_rank_a_jobspy_csv(tmp_path: Path) -> None:
    resume = tmp_path / "cv.txt"
    resume.write_text("Registered nurse with ICU and emergency room experience, patient care, BLS and ACLS certified.")
    jobs = tmp_path / "jobs.csv"
    # The columns JobSpy writes, in its order (a subset of its 30-odd columns is enough for the reader).
    jobs.write_text(
        "id,site,job_url,job_url_direct,title,company,location,date_posted,job_type,description\n"
        "li-1,linkedin,https://www.linkedin.com/jobs/view/1,,"
        'ICU Registered Nurse,Mercy,"Chicago, IL",2026-11-20,fulltime,'
        '"Seeking an ICU registered nurse. BLS and ACLS required. Patient care in a critical care unit."\n'
        'li-2,linkedin,https://www.linkedin.com/jobs/view/2,,Backend Engineer,Acme,"Austin, TX",2026-11-21,fulltime,'
        '"Build APIs in Go and Python, Kubernetes, PostgreSQL."\n'
    )
    result = run_cli(
        "rank", "--resume", str(resume), "--jobs", str(jobs), "--top", "2", "--format", "json", home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    matches = json.loads(result.stdout)["matches"]
    assert [m["id"] for m in matches] == ["li-1", "li-2"]
    assert {"id", "score", "raw_score", "title", "company", "matched_keywords"} <= set(matches[0])
    assert matches[0]["title"] == "ICU Registered Nurse"
    assert "Loading weights" not in result.stderr  # the model's own progress bars stay out of the command's output


@pytest.mark.model
def test_search_against_the_board_prints_matches_and_writes_reports(tmp_path: Path) -> None:
    from jobmatch.testing.board import Board, BoardConfig

    resume = tmp_path / "cv.txt"
    resume.write_text("Registered nurse, ICU, patient care, BLS, ACLS, electronic health records.")
    board = Board(BoardConfig(count=30, seed=8, fault_rate=0.1, fault_kinds=("500", "reset")))
    with board.running_in_thread() as url:
        env = {"JOBMATCH_LINKEDIN_URL": url, "JOBMATCH_PAGE_DELAY": "0", "JOBMATCH_RETRY_INTERVAL": "0.01"}
        html = run_cli(
            "search",
            "Nurse",
            "--location",
            "Chicago",
            "--pages",
            "2",
            "--post-time",
            "30",
            "--resume",
            str(resume),
            "--word-score",
            "icu=1.5",
            "--out",
            str(tmp_path / "m.html"),
            home=tmp_path,
            env=env,
        )
        assert html.returncode == 0, html.stderr
        as_json = run_cli(
            "search",
            "Nurse",
            "--pages",
            "2",
            "--post-time",
            "30",
            "--resume",
            str(resume),
            "--word-score",
            "icu=1.5",
            "--format",
            "json",
            home=tmp_path,
            env=env,
        )
    assert as_json.returncode == 0, as_json.stderr
    page = (tmp_path / "m.html").read_text()
    assert "<article" in page and "Nurse" in page
    assert "Top" in html.stdout + html.stderr  # the terminal table
    report = json.loads(as_json.stdout)
    assert report["status"] == "SUCCEEDED" and report["execution_id"]
    assert set(report["counts"]) >= {"listed", "fetched", "cached", "failed", "closed", "filtered"}
    assert report["counts"]["cached"] == report["counts"]["listed"] == 20  # the second search fetched nothing
    assert report["failures"] == []
    top = report["matches"][0]
    assert "nurse" in top["title"].lower()
    assert any(m["fired_weights"].get("icu") == 1.5 for m in report["matches"])


@pytest.mark.model
def test_a_search_that_lost_postings_exits_3_and_says_what_it_missed(tmp_path: Path) -> None:
    from jobmatch.testing.board import Board, BoardConfig

    # A third of the postings answer 500 more often than jobmatch retries: they end failed, with the reason.
    board = Board(BoardConfig(count=20, seed=3, fault_rate=0.3, fault_kinds=("500",), fault_attempts=10))
    with board.running_in_thread() as url:
        env = {"JOBMATCH_LINKEDIN_URL": url, "JOBMATCH_PAGE_DELAY": "0", "JOBMATCH_RETRY_INTERVAL": "0.01"}
        result = run_cli(
            "search", "Nurse", "--pages", "2", "--post-time", "30", "--format", "json", home=tmp_path, env=env
        )
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "SUCCEEDED" and report["outcome"]["complete"] is False
    failed = report["counts"]["failed"]
    assert failed > 0 and len(report["failures"]) == failed
    assert f"incomplete: {failed} of {report['counts']['listed']} listed postings could not be fetched" in " ".join(
        result.stderr.split()
    )


def test_a_revoked_key_is_gone_with_its_data(tmp_path: Path) -> None:
    created = run_cli("apikey", "create", "--name", "old laptop", home=tmp_path)
    assert created.returncode == 0, created.stderr
    listed = run_cli("apikey", "list", home=tmp_path)
    [key_id] = [line.split()[1] for line in listed.stdout.splitlines() if "old laptop" in line]
    revoked = run_cli("apikey", "revoke", key_id, "--erase", home=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert "old laptop" not in run_cli("apikey", "list", home=tmp_path).stdout
    assert_one_line_error(run_cli("apikey", "revoke", key_id, home=tmp_path), "no API key")
