"""Hostile resumes (issue 14) against `jobmatch serve` in a process of its own: each refused quickly with its limit
named, the server's memory unchanged and `/healthz` fast all the while (parsing happens in a child process)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from jobmatch.apikeys import create_api_key
from jobmatch.store.sql import SqlStore
from tests.api.test_restart import jobmatch_serve
from tests.ranking import resume_files

MB = 1024 * 1024
# Refusals come from a child process that starts in about 0.7 s on an idle machine; before the caps these took
# 192 s (the DOCX) and 101 s (a search against the PDF's text).
QUICK = 8.0
HEALTHZ_P99 = 0.050
RSS_GROWTH = 50 * MB


@contextmanager
def _server(home: Path, **resume_settings: str) -> Iterator[tuple[str, int, dict[str, str]]]:
    """`jobmatch serve` with these JOBMATCH_RESUME_* settings; yields its URL, its pid and a key's headers."""
    database_url = f"sqlite:///{home / 'api.sqlite'}"
    store = SqlStore(database_url)
    raw_key = create_api_key(store, "resume-limits")[1]
    store.close()
    env = {
        **os.environ,
        "JOBMATCH_HOME": str(home),
        "JOBMATCH_DATABASE_URL": database_url,
        "HF_HUB_OFFLINE": "1",
        **{f"JOBMATCH_RESUME_{name.upper()}": value for name, value in resume_settings.items()},
    }
    with jobmatch_serve(env) as (url, process):
        yield url, process.pid, {"x-api-key": raw_key}


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@contextmanager
def _watching_healthz(url: str) -> Iterator[list[float]]:
    """Poll /healthz from a thread every 2 ms while the block runs (a refusal takes a few tenths of a second, plain
    text's a few milliseconds); yields the list its latencies go into. The block starts once the poller has its
    connection (its first answer is not counted), and ends once at least one answer came during or after it: a
    refusal can be quicker than one poll."""
    latencies: list[float] = []
    connected, stop = threading.Event(), threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/healthz").status_code == 200
            connected.set()
            while not stop.is_set():
                started = time.perf_counter()
                assert http.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - started)
                stop.wait(0.002)

    poller = threading.Thread(target=poll, name="healthz-poller")
    poller.start()
    try:
        assert connected.wait(30), "/healthz did not answer before the upload"
        yield latencies
    finally:
        deadline = time.monotonic() + 30
        while not latencies and poller.is_alive() and time.monotonic() < deadline:
            time.sleep(0.002)
        stop.set()
        poller.join(30)


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _upload(url: str, headers: dict[str, str], name: str, data: bytes) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{url}/v1/resumes", files={"file": (name, data)}, headers=headers, timeout=120)
    return response, time.monotonic() - started


def _upload_watched(
    url: str, headers: dict[str, str], name: str, data: bytes, expected: tuple[int, str]
) -> tuple[float, float]:
    """Upload while /healthz is polled; asserts the answer; returns the slowest upload's seconds and the best /healthz
    p99 of up to three uploads. Other work on a shared machine adds noise to one try; a stalled server stalls all."""
    slowest, best_p99 = 0.0, float("inf")
    for _ in range(3):
        with _watching_healthz(url) as latencies:
            response, seconds = _upload(url, headers, name, data)
        assert (response.status_code, response.json()["detail"]) == expected
        assert latencies, "no /healthz answer during or after the upload"
        slowest, best_p99 = max(slowest, seconds), min(best_p99, _p99(latencies))
        if best_p99 < HEALTHZ_P99:
            break
    return slowest, best_p99


def _upload_normal_resumes(url: str, headers: dict[str, str]) -> None:
    lines = ["Jane Doe", "Senior Data Scientist", "Python, SQL, PyTorch, forecasting"]
    for name, data in [("cv.pdf", resume_files.pdf(lines)), ("cv.docx", resume_files.docx(lines, [["Skills", "SQL"]]))]:
        response, _ = _upload(url, headers, name, data)
        assert response.status_code == 201, response.text
        assert response.json()["chars"] > 50


# (file name, the file, the API's answer): issue 14's files, and a text file past the character cap.
HOSTILE: list[tuple[str, Callable[[], bytes], str]] = [
    (
        "bomb.docx",
        lambda: resume_files.docx_bomb(200 * MB),
        "file: resume bomb.docx expands to 202 MB unzipped, more than the 50 MB allowed "
        "(JOBMATCH_RESUME_MAX_EXPANDED_BYTES)",
    ),
    (
        "pages.pdf",
        lambda: resume_files.pdf_one_stream(pages=60, chars=1_000_000),
        "file: resume pages.pdf has 60 pages, more than the 20 allowed (JOBMATCH_RESUME_MAX_PAGES)",
    ),
    (
        "chars.pdf",
        lambda: resume_files.pdf_one_stream(pages=20, chars=200_000),
        "file: resume chars.pdf has more than 100,000 characters of text, far more than a resume "
        "(JOBMATCH_RESUME_MAX_CHARS)",
    ),
    (
        "long.txt",
        lambda: b"Senior data scientist. " * 5000,
        "file: resume long.txt has more than 100,000 characters of text, far more than a resume "
        "(JOBMATCH_RESUME_MAX_CHARS)",
    ),
]


def test_hostile_resumes_get_413_naming_the_limit_quickly_and_the_server_stays_small_and_responsive(
    tmp_path: Path,
) -> None:
    with _server(tmp_path) as (url, pid, headers):
        _upload_normal_resumes(url, headers)  # also loads what an upload needs into the server, before measuring
        rss_before = _rss(pid)
        for name, build, detail in HOSTILE:
            seconds, healthz_p99 = _upload_watched(url, headers, name, build(), (413, detail))
            assert seconds < QUICK, (name, seconds)
            assert healthz_p99 < HEALTHZ_P99, (name, healthz_p99)
        assert _rss(pid) - rss_before < RSS_GROWTH
        _upload_normal_resumes(url, headers)


def test_a_parse_past_the_size_caps_is_killed_at_the_time_cap_while_healthz_stays_fast(tmp_path: Path) -> None:
    # The character cap lifted: pypdf extracts 20 pages of a million characters each (seconds of CPU, little memory)
    # in the child until it is killed.
    with _server(tmp_path, max_chars=str(10**9), max_seconds="5") as (url, pid, headers):
        _upload_normal_resumes(url, headers)
        rss_before = _rss(pid)
        slow = resume_files.pdf_one_stream(pages=20, chars=1_000_000)
        expected = (422, "file: resume slow.pdf could not be read in 5 s (JOBMATCH_RESUME_MAX_SECONDS)")
        seconds, healthz_p99 = _upload_watched(url, headers, "slow.pdf", slow, expected)
        assert seconds < 5 + 2
        assert healthz_p99 < HEALTHZ_P99
        assert _rss(pid) - rss_before < RSS_GROWTH
