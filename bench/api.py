"""Polling latency of the HTTP API at a steady request rate, with no search running and with five running.

Starts the fake board and `jobmatch serve` as processes of their own (so the load generator shares no GIL with the
server), then polls `GET /jobscrape?executionArn=` open-loop at --rate requests/s for --seconds in three phases:

  baseline   an ended search's status (same small answer as a running one), no search running
  loaded     the five running searches' status, while those five page, fetch and embed
  succeeded  a succeeded search, whose answer carries the matches and the HTML report, no search running

Prints p50 / p99 / max latency and failed requests of each phase, and the loaded/baseline ratio. Targets (loaded):
p99 < 50 ms, none failed. It asserts nothing. Run: `.venv/bin/python bench/api.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass

import httpx

QUERIES = ("Data Scientist", "Registered Nurse", "Software Engineer", "Staff Accountant", "Sales Manager")


@dataclass
class Phase:
    name: str
    latencies_ms: list[float]
    failed: int
    sent: int
    seconds: float

    def line(self) -> str:
        lat = sorted(self.latencies_ms) or [float("nan")]
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (
            f"{self.name:<10} {self.sent / self.seconds:6.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"max {lat[-1]:7.1f} ms  failed {self.failed}/{self.sent}"
        )

    @property
    def p99(self) -> float:
        lat = sorted(self.latencies_ms)
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def start(stack: ExitStack, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    return process


class Connections:
    """Keep-alive HTTP/1.1 connections for GETs, on bare asyncio streams.

    The load generator shares two cores with the server: httpx spends about a millisecond of CPU a request, enough
    to slow the server it measures. This spends a tenth of that.
    """

    def __init__(self, url: str, key: str):
        parts = httpx.URL(url)
        self._host, self._port = parts.host, parts.port
        self._head = f"Host: {self._host}:{self._port}\r\nx-api-key: {key}\r\n\r\n".encode()
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, target: str) -> int:
        """GET `target`; returns the status code once the whole body has arrived."""
        reader, writer = self._idle.pop() if self._idle else await asyncio.open_connection(self._host, self._port)
        try:
            writer.write(f"GET {target} HTTP/1.1\r\n".encode() + self._head)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        self._idle.append((reader, writer))
        return int(lines[0].split()[1])

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()


async def poll(url: str, arns: list[str], key: str, rate: float, seconds: float, name: str) -> Phase:
    """Open loop: request i leaves at start + i / rate whatever the earlier ones are doing."""
    latencies: list[float] = []
    failed = 0
    connections = Connections(url, key)
    targets = [f"/jobscrape?executionArn={arn}" for arn in arns]

    async def one(target: str) -> None:
        nonlocal failed
        sent = time.perf_counter()
        try:
            if await asyncio.wait_for(connections.get(target), 10) != 200:
                failed += 1
                return
        except (TimeoutError, OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
            failed += 1
            return
        latencies.append((time.perf_counter() - sent) * 1000)

    total = int(rate * seconds)
    tasks = []
    began = time.perf_counter()
    for i in range(total):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(targets[i % len(targets)])))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    connections.close()
    return Phase(name, latencies, failed, total, elapsed)


def submit(http: httpx.Client, query: str, pages: int) -> str:
    body = {"query": query, "location": "", "pages": pages, "post_time": 60, "word_scores": {"python": 1.2}}
    response = http.post("/jobscrape", json=body)
    response.raise_for_status()
    return response.json()["executionArn"]


def status(http: httpx.Client, arn: str) -> dict:
    return http.get("/jobscrape", params={"executionArn": arn}).json()


def wait_ended(http: httpx.Client, arn: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while (answer := status(http, arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise SystemExit(f"search {arn} still running after {timeout} s")
        time.sleep(0.5)
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="poll requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--pages", type=int, default=10, help="pages each of the five searches reads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        board_port, api_port = free_port(), free_port()
        board_url, api_url = f"http://127.0.0.1:{board_port}", f"http://127.0.0.1:{api_port}"
        # A board with a little latency that lists only postings matching the keywords, so the five searches fetch
        # (and embed) different postings, as real searches would.
        board_code = (
            "from jobmatch.testing.board import BoardConfig, serve; "
            f"serve('127.0.0.1', {board_port}, BoardConfig(seed=5, latency=0.05, jitter=0.03, "
            "filter_keywords=True), None, 1500)"
        )
        board = start(stack, [sys.executable, "-c", board_code], dict(os.environ))
        wait_up(board_url + "/_board/stats", board)

        env = {
            **os.environ,
            "JOBMATCH_HOME": tmp,
            "JOBMATCH_DATABASE_URL": f"sqlite:///{tmp}/api.sqlite",
            "JOBMATCH_LINKEDIN_URL": board_url,
            "JOBMATCH_PAGE_DELAY": "0.5-1.0",
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("JOBMATCH_API_MAX_RUNNING_PER_KEY", None)
        cli = [sys.executable, "-m", "jobmatch.cli"]
        key = (
            subprocess.run(
                [*cli, "apikey", "create", "--name", "bench"], env=env, capture_output=True, text=True, check=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        server = start(stack, [*cli, "serve", "--port", str(api_port)], env)
        wait_up(api_url + "/healthz", server)

        with httpx.Client(base_url=api_url, headers={"x-api-key": key}, timeout=30) as http:
            print("warming up: one search, so the model is loaded before anything is measured")
            warm = submit(http, "Marketing Manager", 1)
            assert wait_ended(http, warm)["status"] == "SUCCEEDED"
            ended = submit(http, "Teacher", 1)
            http.delete(f"/v1/searches/{ended.rsplit(':', 1)[-1]}")

            print(f"polling at {args.rate:g} req/s for {args.seconds:g} s a phase")
            baseline = asyncio.run(poll(api_url, [ended], key, args.rate, args.seconds, "baseline"))
            print(baseline.line())

            arns = [submit(http, query, args.pages) for query in QUERIES]
            loaded = asyncio.run(poll(api_url, arns, key, args.rate, args.seconds, "loaded"))
            running_at_end = sum(status(http, arn)["status"] == "RUNNING" for arn in arns)
            print(loaded.line() + f"  ({running_at_end}/5 searches still running at the end)")
            answers = [wait_ended(http, arn) for arn in arns]
            progress = [answer["progress"] for answer in answers]
            print(
                f"           the five searches: {[a['status'] for a in answers]}, postings listed "
                f"{[p['listed'] for p in progress]}, fetched {[p['fetched'] for p in progress]}"
            )

            succeeded = asyncio.run(poll(api_url, [warm], key, args.rate, args.seconds, "succeeded"))
            print(succeeded.line())

        print(
            f"loaded / baseline p99: {loaded.p99 / baseline.p99:.2f}x   "
            f"target: loaded p99 < 50 ms ({'met' if loaded.p99 < 50 else 'missed'}), "
            f"none failed ({'met' if loaded.failed == 0 else 'missed'})"
        )


if __name__ == "__main__":
    main()
