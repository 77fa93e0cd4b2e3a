"""Sources by name: the accepted forms, and clear errors for names no source reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobmatch.sources import PoliteClient, UnknownSourceError, check_source_name, make_source
from jobmatch.sources.ashby import AshbySource
from jobmatch.sources.greenhouse import GreenhouseSource
from jobmatch.sources.lever import LeverEuSource, LeverSource
from jobmatch.sources.linkedin import LinkedInSource
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("linkedin", "linkedin"),
        (" LinkedIn ", "linkedin"),
        ("greenhouse:stripe", "greenhouse:stripe"),
        ("Greenhouse:acme.robotics_2", "greenhouse:acme.robotics_2"),
        ("lever:palantir", "lever:palantir"),
        ("lever:eu:qonto", "lever:eu:qonto"),
        ("ashby:OpenAI", "ashby:OpenAI"),
    ],
)
def test_accepted_names(name: str, canonical: str) -> None:
    assert check_source_name(name) == canonical


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "source name is empty; use one of: linkedin, greenhouse:<board_token>"),
        ("indeed", "unknown source 'indeed'; use one of: linkedin, greenhouse:<board_token>, lever:<site>"),
        ("workday:acme", "unknown source 'workday:acme'"),
        ("greenhouse:acme:jobs", "unknown source 'greenhouse:acme:jobs'"),
        ("linkedin:acme", "source 'linkedin' takes no board"),
        ("greenhouse", "source 'greenhouse' needs a board: greenhouse:<board>"),
        ("ashby:", "needs a board: ashby:<board>"),
        ("lever:eu:", "needs a board: lever:eu:<board>"),
        ("greenhouse:acme robotics", "may hold only letters, digits, '_', '.' and '-'"),
        ("lever:..", "and at least one letter or digit"),
        ("ashby:acme/../admin", "may hold only letters"),
        ("greenhouse:" + "a" * 101, "is 101 characters long; at most 100"),
    ],
)
def test_bad_names_are_refused_with_the_accepted_forms(name: str, message: str) -> None:
    with pytest.raises(UnknownSourceError, match=re.escape(message)) as caught:
        check_source_name(name)
    assert isinstance(caught.value, ValueError) and len(str(caught.value)) < 300


async def test_each_name_makes_its_source_on_its_configured_url(home: Path) -> None:
    settings = make_settings(
        home,
        linkedin_url="https://www.linkedin.com",
        greenhouse_url="https://boards-api.greenhouse.io",
        lever_url="https://api.lever.co",
        lever_eu_url="https://api.eu.lever.co",
        ashby_url="https://api.ashbyhq.com",
    )
    async with PoliteClient(settings) as client:
        made = {
            name: make_source(name, client, settings)
            for name in ("linkedin", "greenhouse:stripe", "lever:acme", "lever:eu:acme", "ashby:acme")
        }
        with pytest.raises(UnknownSourceError):
            make_source("greenhouse", client, settings)
    assert [type(source) for source in made.values()] == [
        LinkedInSource,
        GreenhouseSource,
        LeverSource,
        LeverEuSource,
        AshbySource,
    ]
    assert [source.name for source in made.values()] == list(made)
    assert [source.whole_board for source in made.values()] == [False, True, True, True, True]
    hosts = {host for _, host, _ in settings.allowed_origins}
    assert {"boards-api.greenhouse.io", "api.lever.co", "api.eu.lever.co", "api.ashbyhq.com"} <= hosts
