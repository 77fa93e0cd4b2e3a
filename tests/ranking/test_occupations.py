"""Occupations as a field: how far a posting's title names the occupation the resume aims at (ESCO, then ISCO)."""

from __future__ import annotations

import pytest

from jobmatch.ranking._ranker import _occupation_agreement


def test_the_same_occupation_agrees_whatever_the_seniority_words() -> None:
    scores = _occupation_agreement("Data Scientist", ["Senior Data Scientist II", "Lead Data Scientist"])
    assert scores is not None and list(scores) == [1.0, 1.0]


def test_a_shared_word_is_not_a_shared_occupation() -> None:
    # "administrator" in both titles, but an office job is not a database one (another ISCO major group).
    scores = _occupation_agreement("Database Administrator", ["SQL DBA", "Administrative Assistant"])
    assert scores is not None and list(scores) == [1.0, 0.0]


def test_a_title_naming_two_occupations_is_taken_for_neither() -> None:
    # ESCO lists "data manager" as a database administrator's title; a clinical data / project manager posting
    # scored as one and filled database administrators' top tens.
    titles = ["Clinical Data Manager / Project Manager", "Oracle DBA", "Administrative Assistant"]
    scores = _occupation_agreement("Database Administrator", titles)
    assert scores is not None
    assert scores[0] == pytest.approx((scores[1] + scores[2]) / 2)  # unknown: the mean of the known
    assert scores[0] < scores[1]


def test_two_names_for_one_occupation_keep_it() -> None:
    scores = _occupation_agreement("Software Developer", ["Software Engineer/Developer", "Administrative Assistant"])
    assert scores is not None and scores[0] > 0.4 and scores[1] == 0.0


def test_a_resume_title_esco_does_not_know_leaves_the_field_out() -> None:
    assert _occupation_agreement("Chief Vibes Officer", ["Data Scientist"]) is None
