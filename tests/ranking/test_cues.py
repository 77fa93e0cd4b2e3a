"""The cue words that spare a regex search on most lines must cover every branch of their regex: a branch added
without a cue would silently stop matching (boilerplate kept in what the model reads, benefit lines in evidence)."""

from __future__ import annotations

import itertools
import re
import re._constants as sre_constants  # the parser's opcodes: a pattern's branches are read from its parse tree
import re._parser as sre_parse
from typing import Any

import pytest

from jobmatch.ranking import _keywords, _text

# A representative character for each class the patterns use.
_CATEGORY = {
    sre_constants.CATEGORY_DIGIT: "0",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_WORD: "a",
}


def _examples(items: Any) -> set[str]:
    """Strings the parsed pattern `items` matches: every branch, each optional part both absent and present."""
    parts = [_item(op, av) for op, av in items]
    return {"".join(combo) for combo in itertools.product(*parts)}


def _item(op: Any, av: Any) -> set[str]:
    if op is sre_constants.LITERAL:
        return {chr(av)}
    if op is sre_constants.NOT_LITERAL or op is sre_constants.ANY:
        return {"x" if av != ord("x") else "y"}
    if op is sre_constants.IN:
        return {_member(member_op, member) for member_op, member in av}
    if op is sre_constants.SUBPATTERN:
        return _examples(av[-1])
    if op is sre_constants.BRANCH:
        return set().union(*(_examples(branch) for branch in av[1]))
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, pattern = av
        inner = _examples(pattern)
        counts = [low] + ([low + 1] if high > low else [])
        return {"".join(combo) for n in counts for combo in itertools.product(inner, repeat=n)}
    if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return {""}
    raise AssertionError(f"the example generator does not know {op}: extend it")


def _member(op: Any, av: Any) -> str:
    """A character a class item stands for: each listed character of a class is tried."""
    if op is sre_constants.LITERAL:
        return chr(av)
    if op is sre_constants.RANGE:
        return chr(av[0])
    if op is sre_constants.CATEGORY:
        return _CATEGORY[av]
    raise AssertionError(f"the example generator does not know the class item {op}: extend it")


@pytest.mark.parametrize(
    ("regex", "cues"),
    [
        (_keywords._NOT_EVIDENCE_LOWER, _keywords._NOT_EVIDENCE_CUES),
        (_text._BOILERPLATE_LOWER, _text._BOILERPLATE_CUES),
    ],
    ids=["not-evidence lines", "boilerplate lines"],
)
def test_every_match_of_a_cued_regex_holds_a_cue(regex: re.Pattern[str], cues: list[str]) -> None:
    branches = sre_parse.parse(regex.pattern)[0][1][1]  # the pattern is one alternation
    assert len(branches) > 10
    for branch in branches:
        examples = [example for example in _examples(branch) if regex.search(example)]
        assert examples, f"no example of {branch} matches: the generator misread it"
        uncued = [example for example in examples if not any(cue in example for cue in cues)]
        assert not uncued, f"{uncued[:3]} match but hold no cue: add one to the cue list"


def test_the_generator_finds_a_missing_cue() -> None:
    regex = re.compile(r"dental|vision insurance|\bw-?2\b")
    branches = sre_parse.parse(regex.pattern)[0][1][1]
    examples = set().union(*(_examples(branch) for branch in branches))
    assert {"dental", "vision insurance", "w2", "w-2"} <= examples
    assert [e for e in examples if not any(cue in e for cue in ["dental", "insurance", "w2"])] == ["w-2"]
