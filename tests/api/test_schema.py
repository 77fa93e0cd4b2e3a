"""Schemathesis over the served OpenAPI schema: whatever a client sends, no 5xx and no answer outside the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import Service

pytestmark = pytest.mark.model

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_no_server_error_and_every_answer_fits_the_schema(service: Service, tmp_path: Path) -> None:
    # Two searches at a time for this key: generated searches past that get a documented 429, not a pile of work.
    key = service.new_key("schemathesis", max_running=2)
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is a dev dependency (pyproject.toml [dev])"
    result = subprocess.run(
        [
            cli,
            "--config-file",
            str(CONFIG),
            "run",
            f"{service.url}/openapi.json",
            "--header",
            f"x-api-key: {key}",
            "--max-examples",
            "25",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--seed",
            "4",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
