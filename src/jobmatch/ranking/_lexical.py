"""BM25 over the postings of one search, with the resume as the query: lexical evidence to fuse with the model's."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

_K1 = 1.2
_B = 0.75


def bm25(query: Counter[str], documents: Sequence[Counter[str]]) -> np.ndarray:
    """Okapi BM25 of each document for a bag-of-terms query; each query term counts once (a resume repeats words)."""
    n = len(documents)
    scores = np.zeros(n, dtype=np.float64)
    if not n or not query:
        return scores
    lengths = np.array([sum(doc.values()) for doc in documents], dtype=np.float64)
    average = float(lengths.mean()) or 1.0
    norm = _K1 * (1 - _B + _B * lengths / average)
    postings: dict[str, list[tuple[int, int]]] = {}
    for index, doc in enumerate(documents):
        for term, count in doc.items():
            if term in query:
                postings.setdefault(term, []).append((index, count))
    for hits in postings.values():
        idf = math.log(1 + (n - len(hits) + 0.5) / (len(hits) + 0.5))
        for index, count in hits:
            scores[index] += idf * count * (_K1 + 1) / (count + norm[index])
    return scores
