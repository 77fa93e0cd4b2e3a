"""Reposts: the same company posting a near-identical description counts once, the newest kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np

from jobmatch.models import JobPosting

# Vectors this close are compared word by word; far apart ones cannot be reposts.
_CANDIDATE_COSINE = 0.95


def fold_duplicates(
    postings: Sequence[JobPosting],
    vectors: np.ndarray,
    shingles: Sequence[frozenset[str]],
    threshold: float,
) -> tuple[list[int], dict[int, list[int]]]:
    """(kept indices, kept index -> folded indices). A group folds when company matches and the word-shingle
    Jaccard similarity of the descriptions reaches `threshold`; the newest posting of a group stands for it."""
    by_company: dict[str, list[int]] = {}
    for index, posting in enumerate(postings):
        by_company.setdefault(posting.company.casefold().strip(), []).append(index)
    parent = list(range(len(postings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for company, members in by_company.items():
        if len(members) < 2 or not company:
            continue
        sub = vectors[members]
        close = np.argwhere(np.triu(sub @ sub.T, 1) >= _CANDIDATE_COSINE)
        for a, b in close:
            i, j = members[a], members[b]
            if _jaccard(shingles[i], shingles[j]) >= threshold:
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
