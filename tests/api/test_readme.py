"""The README's API example, run as written (bash, curl, jq) against a live server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import Service, write_resume
from tests.conftest import REPO


def readme_block(starting_with: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return next(block for block in blocks if block.startswith(starting_with))


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_readme_api_example_works_as_written(service: Service, tmp_path: Path) -> None:
    script = readme_block("KEY=$(")
    host = service.url.removeprefix("http://")
    # Only where things are changes: the server's port, the package's command, and the user's own resume.
    script = script.replace("localhost:8000", host).replace(".venv/bin/jobmatch", f"{sys.executable} -m jobmatch.cli")
    write_resume(tmp_path / "cv.txt")
    script = script.replace("file=@cv.pdf", "file=@cv.txt")
    env = {
        "PATH": "/usr/bin:/bin",
        "JOBMATCH_HOME": str(service.settings.home),
        "JOBMATCH_DATABASE_URL": service.settings.database_url,
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert '"filename":"cv.txt"' in done.stdout  # the resume upload's answer
    # The poll, with the ARN the submission returned (a form-typed GET body, curl's default, is read as JSON).
    assert done.stdout.rstrip().endswith(('"RUNNING"', '"SUCCEEDED"')), done.stdout
