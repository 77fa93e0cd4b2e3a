"""Per-posting text analysis (words, terms, shingles), memoised by content so repeated rankings skip it."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

from jobmatch.models import JobPosting
from jobmatch.ranking import _keywords
from jobmatch.ranking._dedup import shingles
from jobmatch.ranking._stopwords import ENGLISH
from jobmatch.ranking._text import clean_posting
from jobmatch.ranking._words import WordText, words

_MEMO_SIZE = 20_000
_memo: OrderedDict[str, PostingText] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class PostingText:
    """What the lexical parts of ranking need from one posting."""

    body: str  # the description with boilerplate dropped (see _text.clean_posting)
    text: WordText  # title and full description, for word_scores
    terms: Counter[str]  # keyword candidates of the cleaned text, places and the company's name left out
    bag: Counter[str]  # BM25 terms
    shingles: frozenset[str]  # for repost detection


def analyse(posting: JobPosting) -> PostingText:
    """The analysis of `posting`, computed once per distinct content."""
    key = hashlib.sha256(
        "\x1f".join((posting.title, posting.company, posting.location, posting.description)).encode()
    ).hexdigest()
    with _lock:
        found = _memo.get(key)
        if found is not None:
            _memo.move_to_end(key)
            return found
    result = _analyse(posting)
    with _lock:
        _memo[key] = result
        if len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return result


def resume_terms(text: str) -> tuple[Counter[str], Counter[str]]:
    """(keyword candidates, BM25 terms) of a resume."""
    return _keywords.clause_terms(text), bag(words(text))


def bag(text_words: list[str]) -> Counter[str]:
    """BM25 terms: the words, less English function words."""
    return Counter(word for word in text_words if word not in ENGLISH and len(word) > 1)


def _analyse(posting: JobPosting) -> PostingText:
    full = WordText(f"{posting.title}\n{posting.description}")
    body = clean_posting(posting.description)
    cleaned_text = f"{posting.title}\n{body}"
    cleaned = words(cleaned_text)
    exclude = frozenset(words(f"{posting.company} {posting.location}"))
    return PostingText(
        body=body,
        text=full,
        terms=_keywords.clause_terms(cleaned_text, exclude),
        bag=bag(cleaned),
        shingles=shingles(words(posting.description)),
    )
