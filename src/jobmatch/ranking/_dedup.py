"""The same job once: a repost, or the same opening on LinkedIn and on the company's own board, counts once.

Two postings are the same job when all of these hold:
- the same company, its name normalised (case, punctuation and legal suffixes such as "Inc." or "GmbH" ignored);
- the same title, normalised the same way ("Senior Data Scientist" = "senior data scientist");
- compatible locations: one names no place, or they share a place ("New York, NY" and "New York" do; "New York,
  NY; London" lists two), or both are remote;
- near-identical descriptions: embedding cosine of at least 0.95, then word-shingle Jaccard similarity at least the
  `dedup_similarity` setting.
So two openings with the same title in different cities stay two, however alike their text, and a company's
"Data Scientist" and "Data Engineer" with one boilerplate stay two. The newest posting of a group stands for it;
the others' links on other boards are kept as its `also_at`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np

from jobmatch.models import JobPosting

# Vectors this close are compared word by word; far apart ones cannot be reposts.
_CANDIDATE_COSINE = 0.95
_WORD = re.compile(r"[a-z0-9+#]+")
_LEGAL_SUFFIXES = frozenset(
    "inc incorporated llc ltd limited corp corporation co company plc gmbh ag sa sas bv nv oy ab pty lp llp".split()
)
_PLACE_SEPARATORS = re.compile(r"[;|/]|\s+or\s+")


def fold_duplicates(
    postings: Sequence[JobPosting],
    vectors: np.ndarray,
    shingles: Sequence[frozenset[str]],
    threshold: float,
) -> tuple[list[int], dict[int, list[int]]]:
    """(kept indices, kept index -> folded indices): postings that are the same job (the module's rule) fold into
    the newest of them."""
    by_job: dict[tuple[str, str], list[int]] = {}
    for index, posting in enumerate(postings):
        company = company_key(posting.company)
        if company:
            by_job.setdefault((company, title_key(posting.title)), []).append(index)
    parent = list(range(len(postings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in by_job.values():
        if len(members) < 2:
            continue
        sub = vectors[members]
        close = np.argwhere(np.triu(sub @ sub.T, 1) >= _CANDIDATE_COSINE)
        for a, b in close:
            i, j = members[a], members[b]
            if places_compatible(postings[i].location, postings[j].location) and (
                _jaccard(shingles[i], shingles[j]) >= threshold
            ):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for index in range(len(postings)):
        groups.setdefault(root(index), []).append(index)
    kept: list[int] = []
    folded: dict[int, list[int]] = {}
    for members in groups.values():
        newest = max(members, key=lambda i: (_when(postings[i]), -i))
        kept.append(newest)
        if len(members) > 1:
            folded[newest] = sorted(i for i in members if i != newest)
    kept.sort()
    return kept, folded


def also_at(posting: JobPosting, folded: Sequence[JobPosting]) -> list[str]:
    """The links of the folded postings that another board gave (a repost on the same board adds no link)."""
    return list(dict.fromkeys(other.url for other in folded if other.source != posting.source and other.url))


def company_key(name: str) -> str:
    """A company name with case, punctuation and legal suffixes dropped: "Acme, Inc." -> "acme"."""
    words = _WORD.findall(name.casefold())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def title_key(title: str) -> str:
    """A title's words, lower-cased, punctuation dropped."""
    return " ".join(_WORD.findall(title.casefold()))


def places_compatible(a: str, b: str) -> bool:
    """Whether two postings' locations can be the same opening's: either names no place, both are remote, or they
    share a place (the first part of each "City, Region" they list)."""
    first, second = _places(a), _places(b)
    if not first or not second:
        return True
    return bool(first & second)


def _places(location: str) -> set[str]:
    places: set[str] = set()
    for part in _PLACE_SEPARATORS.split(location.casefold()):
        words = _WORD.findall(part)
        if "remote" in words:
            places.add("remote")
        elif words:
            places.add(" ".join(_WORD.findall(part.split(",")[0])))
    return places


def shingles(words: Sequence[str], size: int = 3) -> frozenset[str]:
    """The word n-grams of a text, for near-duplicate comparison."""
    if len(words) < size:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _when(posting: JobPosting) -> tuple[date, datetime]:
    fetched = posting.fetched_at if posting.fetched_at.tzinfo else posting.fetched_at.replace(tzinfo=UTC)
    return (posting.posted_at or date.min, fetched)
