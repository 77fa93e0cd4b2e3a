"""Per-posting text analysis (words, terms, shingles), memoised by content so repeated rankings skip it."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict

from jobmatch.models import JobPosting
from jobmatch.ranking import _keywords
from jobmatch.ranking._dedup import shingles
from jobmatch.ranking._stopwords import ENGLISH
from jobmatch.ranking._text import clean_posting
from jobmatch.ranking._words import WordText, words

_MEMO_SIZE = 20_000
_memo: OrderedDict[str, PostingText] = OrderedDict()
_lock = threading.Lock()


class PostingText:
    """What the lexical parts of ranking need from one posting.

    `body` and `bag` are computed up front (every ranking needs them); `terms` and `boost` (keyword evidence, only
    for the postings shown), `text` (for word_scores) and `shingles` (for repost detection, only between
    near-identical vectors) are computed on first use.
    """

    __slots__ = ("body", "bag", "_company", "_location", "_description", "_title", "_text", "_shingles", "_terms")

    def __init__(self, posting: JobPosting) -> None:
        self._title = posting.title
        self._description = posting.description
        self._company = posting.company
        self._location = posting.location
        self._text: WordText | None = None
        self._shingles: frozenset[str] | None = None
        self._terms: tuple[Counter[str], dict[str, float]] | None = None
        # the description with boilerplate dropped (see _text.clean_posting)
        self.body: str = clean_posting(posting.description)
        self.bag: Counter[str] = bag(words(f"{posting.title}\n{self.body}"))  # BM25 terms

    @property
    def terms(self) -> Counter[str]:
        """Keyword evidence candidates of the cleaned text, places and the company's name left out."""
        return self._keyword_terms()[0]

    @property
    def boost(self) -> dict[str, float]:
        """How skill-like each term looks (see _keywords.keyword_terms)."""
        return self._keyword_terms()[1]

    def _keyword_terms(self) -> tuple[Counter[str], dict[str, float]]:
        if self._terms is None:
            exclude = frozenset(words(f"{self._company} {self._location}"))
            self._terms = _keywords.keyword_terms(f"{self._title}\n{self.body}", exclude)
        return self._terms

    @property
    def text(self) -> WordText:
        """Title and full description, for word_scores."""
        if self._text is None:
            self._text = WordText(f"{self._title}\n{self._description}")
        return self._text

    @property
    def shingles(self) -> frozenset[str]:
        """Word 3-grams of the description, for repost detection."""
        if self._shingles is None:
            self._shingles = shingles(words(self._description))
        return self._shingles


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


def resume_terms(text: str) -> tuple[_keywords.ResumeIndex, Counter[str]]:
    """(every word and short run of the resume, for keyword look-ups; BM25 terms) of a resume."""
    return _keywords.resume_index(text), bag(words(text))


def bag(text_words: list[str]) -> Counter[str]:
    """BM25 terms: the words, less English function words."""
    counts = Counter(text_words)  # counted in C, then pruned: several times faster than filtering every word
    for word in [word for word in counts if len(word) < 2 or word in ENGLISH]:
        del counts[word]
    return counts


def _analyse(posting: JobPosting) -> PostingText:
    return PostingText(posting)
