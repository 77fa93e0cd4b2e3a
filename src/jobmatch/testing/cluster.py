"""Celery worker processes for tests and benchmarks: real `jobmatch worker` subprocesses on a test Redis and DB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import sqlalchemy


def reset_database(server_url: str, name: str, *, migrate: bool = True) -> str:
    """Drop and create database `name` on the PostgreSQL server at `server_url`, migrated to head unless told not
    to (as `jobmatch migrate` does before a deployment starts); returns its URL."""
    engine = sqlalchemy.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = f"{server_url}/{name}"
    if migrate:
        from jobmatch.store.migrations import upgrade

        upgrade(url)
    return url


def reset_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


class Workers:
    """Starts and stops `jobmatch worker` processes, each in its own process group (so SIGKILL takes all of it)."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self._env = {**os.environ, **env}
        self._log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, *, concurrency: int = 1) -> list[subprocess.Popen[bytes]]:
        started = []
        for _ in range(count):
            index = len(self.processes)
            log = open(self._log_dir / f"worker{index}.log", "wb")
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "jobmatch.cli",
                    "worker",
                    f"--concurrency={concurrency}",
                    f"--name=w{index}-{os.getpid()}@%h",
                    "--loglevel=WARNING",
                ],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.processes.append(process)
            started.append(process)
        return started

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its pool children at once, as a machine that vanishes."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self._log_dir.glob("worker*.log")))
