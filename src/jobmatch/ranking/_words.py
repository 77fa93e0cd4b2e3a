"""Word-level normalisation shared by word_scores, keywords and BM25.

Rules (the documented semantics of `word_scores`):
- case-insensitive (Unicode casefold, NFKC so ligatures and full-width letters match);
- dots and apostrophes inside a word are dropped, so "Ph.D.", "PhD" and "phd" are one word, as are "Node.js"/"nodejs";
- every other punctuation mark separates words, so "Machine-Learning", "machine/learning" and "machine learning"
  are the same phrase;
- a trailing "+" or "#" stays part of a word, so "C++" and "C#" are not "C";
- a term or phrase matches whole words only: "java" does not match "JavaScript", "ml" does not match "html".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_INNER_DOT = re.compile(r"(?<=\w)[.'’](?=\w)")
_WORD = re.compile(r"[^\W_]+[+#]*")


def normalise(text: str) -> str:
    """`text` as `words` reads it (NFKC, casefolded, inner dots and apostrophes dropped); its words are
    `split_words(normalise(text))`, and a clause split of it gives the words of each clause."""
    return _INNER_DOT.sub("", unicodedata.normalize("NFKC", text).casefold())


split_words = _WORD.findall  # the words of an already normalised text


# The same words in one pass: a word may hold inner dots and apostrophes, dropped afterwards (one regex scan and a
# translate, instead of a substitution with look-arounds at every character and a second scan).
_DOTTED_WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*[+#]*")
_DROP_INNER = str.maketrans("", "", ".'’")
# ASCII characters no word holds, as spaces: after this most whitespace-separated tokens are whole words.
_ASCII_SEPARATORS = str.maketrans(
    {char: " " for char in map(chr, range(128)) if not (char.isalnum() or char in ".'+#")}
)


def words(text: str) -> list[str]:
    """The normalised words of `text` (the same as `split_words(normalise(text))`).

    A word never holds whitespace, so the regex can run token by token, and only on the tokens that are not a word
    as they stand (letters and digits only): about half the time of scanning the whole text with it (a warm
    ranking reads the words of hundreds of postings).
    """
    if text.isascii():
        folded = text.lower().translate(_ASCII_SEPARATORS)  # casefold is lower for ASCII
    else:
        folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for token in folded.split():
        if token.isalnum():  # the same test as the regex's [^\W_] (Unicode alphanumerics)
            out.append(token)
        else:
            out.extend(match.translate(_DROP_INNER) for match in _DOTTED_WORD.findall(token))
    return out


def phrase(text: str) -> str:
    """A term or phrase in the normalised form `contains` compares: words joined by single spaces."""
    return " ".join(words(text))


class WordText:
    """A text's normalised words, ready for whole-word phrase look-ups."""

    __slots__ = ("words", "_joined")

    def __init__(self, text: str | Iterable[str]) -> None:
        self.words = words(text) if isinstance(text, str) else list(text)
        self._joined = f" {' '.join(self.words)} "

    def contains(self, normalised_phrase: str) -> bool:
        """Whether the phrase (already normalised by `phrase`) occurs as whole words."""
        return bool(normalised_phrase) and f" {normalised_phrase} " in self._joined


def fired_weights(text: WordText, word_scores: Mapping[str, float]) -> dict[str, float]:
    """The weights whose term or phrase occurs in `text`, each once, keyed by the term as the user wrote it."""
    return {term: weight for term, weight in word_scores.items() if text.contains(phrase(term))}
