"""word_scores semantics: case- and punctuation-insensitive whole words and phrases, each weight once."""

from __future__ import annotations

import pytest

from jobmatch.ranking._words import WordText, fired_weights, phrase, words


def test_words_normalise() -> None:
    assert words("Ph.D. in C++ and C#, Node.js; MACHINE-Learning") == [
        "phd",
        "in",
        "c++",
        "and",
        "c#",
        "nodejs",
        "machine",
        "learning",
    ]


@pytest.mark.parametrize("text", ["PhD required", "a Ph.D. in physics", "PHD", "ph.d"])
def test_phd_matches_any_spelling(text: str) -> None:
    assert fired_weights(WordText(text), {"phd": 2.0}) == {"phd": 2.0}


@pytest.mark.parametrize("text", ["Machine-Learning models", "machine learning", "MACHINE / LEARNING"])
def test_phrase_ignores_punctuation_between_words(text: str) -> None:
    assert fired_weights(WordText(text), {"Machine Learning": 1.5}) == {"Machine Learning": 1.5}


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("java", "JavaScript developer"),
        ("ml", "HTML and CSS"),
        ("c", "C++ only"),
        ("learning machine", "machine learning"),
    ],
)
def test_whole_words_only(term: str, text: str) -> None:
    assert fired_weights(WordText(text), {term: 3.0}) == {}


def test_several_terms_each_once() -> None:
    text = WordText("Python, python, PYTHON and SQL; no Java here. Senior role.")
    fired = fired_weights(text, {"python": 2.0, "sql": 1.5, "java": 0.5, "rust": 4.0, "senior": 0.8})
    assert fired == {"python": 2.0, "sql": 1.5, "java": 0.5, "senior": 0.8}


def test_phrase_normal_form() -> None:
    assert phrase("  Ph.D.  Machine-Learning ") == "phd machine learning"
