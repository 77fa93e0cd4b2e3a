"""Keyword evidence: the distinctive terms a posting and a resume share, and the posting's terms the resume lacks."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from jobmatch.ranking._stopwords import STOP
from jobmatch.ranking._words import normalise

# Where a phrase ends: sentence and list punctuation (a dot inside "Node.js" or "Ph.D." is not followed by a space).
_CLAUSE = re.compile(r"[,;:!?()\[\]|•·\n]|\.(?:\s|$)|\s[-–—/]\s")

_MIN_LEN = 2
# One pass over a normalised text: a clause break (group 1) or a word (group 2), in order.
_CLAUSE_OR_WORD = re.compile(rf"({_CLAUSE.pattern})|([^\W_]+[+#]*)")


def clause_terms(text: str, exclude: frozenset[str] = frozenset()) -> Counter[str]:
    """Keyword candidates of `text`; a two-word phrase never spans a comma, full stop or line break."""
    return normalised_clause_terms(normalise(text), exclude)


def normalised_clause_terms(text: str, exclude: frozenset[str] = frozenset()) -> Counter[str]:
    """`clause_terms` of a text already passed through `_words.normalise` (inner dots are gone by then, and a
    clause never ends at one, so splitting after normalising gives the same clauses)."""
    stop = STOP | exclude if exclude else STOP
    terms: list[str] = []
    previous: str | None = None
    for brk, word in _CLAUSE_OR_WORD.findall(text):
        if not brk and len(word) >= _MIN_LEN and word not in stop and not word.isdigit():
            terms.append(word)
            if previous is not None:
                terms.append(f"{previous} {word}")
            previous = word
        else:
            previous = None
    return Counter(terms)


def candidate_terms(words: Sequence[str], exclude: frozenset[str] = frozenset()) -> Counter[str]:
    """Term counts of single words and two-word phrases, neither starting nor ending in a stop word."""
    terms: list[str] = []
    _append_terms(words, STOP | exclude if exclude else STOP, terms)
    return Counter(terms)


def _append_terms(words: Sequence[str], stop: frozenset[str], out: list[str]) -> None:
    previous: str | None = None
    for word in words:
        if len(word) >= _MIN_LEN and word not in stop and not word.isdigit():
            out.append(word)
            if previous is not None:
                out.append(f"{previous} {word}")
            previous = word
        else:
            previous = None


def idf(documents: Sequence[Counter[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every term across `documents` (a term in all of them weighs little)."""
    frequency: Counter[str] = Counter()
    for terms in documents:
        frequency.update(terms.keys())
    n = len(documents)
    return {term: math.log(1 + (n + 1) / (df + 0.5)) for term, df in frequency.items()}


def evidence(
    posting_terms: Counter[str],
    resume_terms: Counter[str],
    weights: dict[str, float],
    limit: int,
) -> tuple[list[str], list[str]]:
    """(shared, missing): the posting's terms by distinctiveness, split by whether the resume has them."""
    scored = sorted(
        posting_terms,
        key=lambda term: (-(weights.get(term, 0.0) * (1 + math.log(posting_terms[term])) * _length_bonus(term)), term),
    )
    shared: list[str] = []
    missing: list[str] = []
    for term in scored:
        if len(shared) >= limit and len(missing) >= limit:
            break
        present = term in resume_terms
        # A missing phrase whose every word the resume has ("build pipelines" vs "build data pipelines") is noise.
        if not present and " " in term and all(part in resume_terms for part in term.split(" ")):
            continue
        target = shared if present else missing
        if len(target) < limit and not _covered(term, target):
            target.append(term)
    return shared, missing


def _good(word: str, exclude: frozenset[str]) -> bool:
    return len(word) >= _MIN_LEN and word not in STOP and word not in exclude and not word.isdigit()


def _length_bonus(term: str) -> float:
    # A two-word phrase is more specific than either word; prefer it when both are equally distinctive.
    return 1.25 if " " in term else 1.0


def _covered(term: str, chosen: list[str]) -> bool:
    # Avoid listing "python" next to "python developer": the phrase already says it.
    parts = term.split(" ")
    for other in chosen:
        other_parts = other.split(" ")
        if set(parts) <= set(other_parts) or set(other_parts) <= set(parts):
            return True
    return False
