"""The skills and occupations vocabulary (derived from ESCO v1.1.1 and O*NET 29.2, see data/README.md): what counts
as a skill in evidence, and which occupation a job title names.

Terms are compared in a canonical form, so surface variants meet: case, plurals ("models"), British and American
spelling ("modelling", "organise"), and a practitioner for the field ("data scientist" = "data science", "Java
developer" = "Java development"). Variants of one concept that share a word are one skill ("Excel" = "Microsoft
Excel" = "MS Excel"; "SQL" = "structured query language SQL").
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jobmatch.ranking._words import normalise, split_words

_PACKAGE = "jobmatch.ranking"
_MAX_WORDS = 4

# A practitioner -> the field: "data scientist" and "data science" are the same skill.
_FIELD_OF = {
    "scientist": "science",
    "engineer": "engineering",
    "developer": "development",
    "programmer": "programming",
    "analyst": "analysis",
    "analytics": "analysis",
    "statistician": "statistics",
    "accountant": "accounting",
    "designer": "design",
    "administrator": "administration",
    "architect": "architecture",
    "consultant": "consulting",
    "tester": "testing",
    "marketer": "marketing",
    "recruiter": "recruiting",
    "recruitment": "recruiting",
    "manager": "management",
}
_BRITISH = {"colour": "color", "behaviour": "behavior", "labour": "labor", "favour": "favor", "centre": "center"}


@lru_cache(maxsize=200_000)
def canon_word(word: str) -> str:
    """One normalised word in canonical form: singular, American spelling, the field rather than its practitioner."""
    if word in _BRITISH:
        return _BRITISH[word]
    if len(word) > 6 and word.endswith("lling") and word[-6] in "aeiou":
        word = word[:-5] + "ling"  # modelling, labelling, travelling
    elif len(word) > 5 and word.endswith("lled") and word[-5] in "aeiou":
        word = word[:-4] + "led"
    for british, american in (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize")):
        if len(word) > len(british) + 2 and word.endswith(british) and not word.endswith(("wise", "cise", "rise")):
            word = word[: -len(british)] + american
            break
    if len(word) > 5 and word.endswith(("yse", "ysed", "ysing")):
        word = word.replace("yse", "yze", 1) if word.endswith("yse") else word.replace("ys", "yz", 1)
    word = _singular(word)
    return _FIELD_OF.get(word, word)


def is_practitioner(word: str) -> bool:
    """Whether a normalised word names a practitioner ("engineers", "developer"): alone, a person, not a skill."""
    return _singular(word) in _FIELD_OF and _singular(word) not in {"analytics", "recruitment"}


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "os", "ics")):
        return word[:-1]
    if len(word) == 4 and word.endswith("is"):
        return word[:-1]  # "APIs"
    return word


def canon(text: str) -> str:
    """A phrase in canonical form: its normalised words, each by `canon_word`, joined by single spaces."""
    return " ".join(canon_word(word) for word in split_words(normalise(text)))


@dataclass(frozen=True, slots=True)
class Found:
    """A vocabulary term found in a text."""

    key: str  # canonical form of the words found
    skill: int  # the skill's id (variants of one concept share it)
    start: int  # word offsets in the text
    end: int


class Skills:
    """Skill names by canonical form; `find` reads them out of a text, longest first."""

    def __init__(self, data: dict[str, Any]) -> None:
        """`data`: {"names": [...], "kinds": [...], "keys": {canonical variant: [skill id, ...]}}, as
        bench/build_vocabulary.py writes it (JSON, so loading is one C-speed parse)."""
        self.names: list[str] = data["names"]  # skill id -> its name in the vocabulary
        self.kinds: list[str] = data["kinds"]
        self._ids: dict[str, list[int]] = data["keys"]

    def ids(self, key: str) -> list[int]:
        return self._ids.get(key, [])

    def find(self, text_words: list[str]) -> list[Found]:
        """The skills in a text given as canonical words, longest match first, never overlapping."""
        out: list[Found] = []
        index, count = 0, len(text_words)
        while index < count:
            for size in range(min(_MAX_WORDS, count - index), 0, -1):
                key = " ".join(text_words[index : index + size])
                ids = self._ids.get(key)
                if ids:
                    out.append(Found(key, ids[0], index, index + size))
                    index += size
                    break
            else:
                index += 1
        return out


class Occupations:
    """Job titles (ESCO occupations with their alternative titles) -> ESCO code ("1221.3": the ISCO-08 unit group
    1221, then the occupation within it)."""

    def __init__(self, codes: dict[str, str]) -> None:
        """`codes`: {title in canonical form: ESCO code}."""
        self._codes = codes

    def code(self, title: str) -> str:
        """The ESCO code of the longest known title inside `title` ("Senior Data Scientist II" -> data scientist),
        or "" when none is known, or when parts of it split by "/" name occupations of different ISCO unit groups
        ("Clinical Data Manager / Project Manager": which of the two the job is, the title does not say)."""
        whole = self._code(title)
        if "/" in title and len({code[:4] for code in map(self._code, title.split("/")) if code}) > 1:
            return ""
        return whole

    def _code(self, title: str) -> str:
        text_words = canon(title).split()
        best, best_size = "", 0
        for start in range(len(text_words)):
            for size in range(min(6, len(text_words) - start), best_size, -1):
                found = self._codes.get(" ".join(text_words[start : start + size]))
                if found:
                    best, best_size = found, size
                    break
        return best


_lock = threading.Lock()
_skills: Skills | None = None
_occupations: Occupations | None = None


def _load(name: str) -> Any:
    raw = resources.files(_PACKAGE).joinpath("data", name).read_bytes()
    return json.loads(gzip.decompress(raw))


def skills() -> Skills:
    """The packaged skills vocabulary, loaded once per process."""
    global _skills
    with _lock:
        if _skills is None:
            _skills = Skills(_load("skills.json.gz"))
        return _skills


def occupations() -> Occupations:
    """The packaged occupation titles, loaded once per process."""
    global _occupations
    with _lock:
        if _occupations is None:
            _occupations = Occupations(_load("occupations.json.gz"))
        return _occupations
