"""`jobmatch boards` against the API: the key's watchlist, which `jobmatch submit --source watchlist` reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Service
from tests.api.test_cli_client import run_cli

pytestmark = pytest.mark.model


def test_boards_through_the_api_are_the_keys_watchlist(service: Service, tmp_path: Path) -> None:
    key = service.new_key("cli-boards")
    remote = ("--api", service.url, "--api-key", key)
    assert run_cli("boards", "add", "ashby:initech", *remote, service=service).returncode == 0
    assert run_cli("boards", "list", *remote, service=service).stdout.split() == ["ashby:initech"]
    assert run_cli("boards", "list", service=service).stdout.split() == []  # the command line's own list is apart
    refused = run_cli("boards", "add", "linkedin", *remote, service=service)
    assert refused.returncode == 1 and "not a company board" in refused.stderr
    submitted = run_cli(
        "submit",
        "Data Scientist",
        "--post-time",
        "30",
        "--source",
        "watchlist",
        "--out",
        str(tmp_path / "r.html"),
        *remote,
        service=service,
    )
    assert submitted.returncode == 0, submitted.stderr
    assert run_cli("boards", "remove", "ashby:initech", *remote, service=service).returncode == 0
    assert run_cli("boards", "list", *remote, service=service).stdout.split() == []
