"""A search's rules, as a user meets them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jobmatch.models import SearchQuery


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"pages": 0}, "pages"),
        ({"pages": 101}, "pages"),
        ({"post_time": 0}, "post_time"),
        ({"word_scores": {"phd": 0}}, "word_scores"),
        ({"word_scores": {"phd": 11}}, "word_scores"),
        ({"word_scores": {" ": 1.1}}, "word_scores"),
        ({"query": "   "}, "query"),
        ({"top_n": 0}, "top_n"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_search_names_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SearchQuery(**{"query": "Data Scientist", **fields})
    assert info.value.errors()[0]["loc"][0] == field


def test_post_time_in_seconds_and_whitespace_tidied() -> None:
    query = SearchQuery(query="  Data   Scientist ", post_time=3, word_scores={" machine  learning ": 1.2})
    assert query.query == "Data Scientist"
    assert query.post_time_seconds == 3 * 86400
    assert query.word_scores == {"machine learning": 1.2}
