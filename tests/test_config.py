"""Settings come from JOBMATCH_* variables, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jobmatch.config import Settings


def test_defaults_put_the_database_in_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JOBMATCH_HOME", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'jobmatch.sqlite'}"
    assert settings.page_delay == (2.0, 4.0) and settings.max_concurrency == 10
    assert settings.allowed_origins == {
        ("https", "www.linkedin.com", 443),
        ("https", "boards-api.greenhouse.io", 443),
        ("https", "api.lever.co", 443),
        ("https", "api.eu.lever.co", 443),
        ("https", "api.ashbyhq.com", 443),
    }


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMATCH_PAGE_DELAY", "0.5-1.5")
    for board in ("LINKEDIN", "GREENHOUSE", "LEVER", "LEVER_EU", "ASHBY"):
        monkeypatch.setenv(f"JOBMATCH_{board}_URL", "http://127.0.0.1:8765/")
    settings = Settings()
    assert settings.page_delay == (0.5, 1.5)
    assert settings.linkedin_url == "http://127.0.0.1:8765"
    assert settings.greenhouse_url == "http://127.0.0.1:8765"
    assert settings.allowed_origins == {("http", "127.0.0.1", 8765)}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JOBMATCH_PAGE_DELAY", "4-2"),
        ("JOBMATCH_PAGE_DELAY", "soon"),
        ("JOBMATCH_LINKEDIN_URL", "ftp://x"),
        ("JOBMATCH_GREENHOUSE_URL", "boards-api.greenhouse.io"),
        ("JOBMATCH_MAX_CONCURRENCY", "0"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("JOBMATCH_").lower()):
        Settings()
