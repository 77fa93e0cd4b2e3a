"""Ranking postings against a resume: read the resume, embed texts once, score with evidence a job seeker can check.

Public surface: `read_resume`, `ResumeError` (and its `ResumeTooLarge`, `ResumeBusy`), `EmbeddingCache`,
`MemoryEmbeddingCache`, `Ranker`, `Ranking`.
Heavy libraries (torch, sentence-transformers) are imported only when a text has to be embedded.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from jobmatch.ranking._resume import ResumeError, ResumeTooLarge
from jobmatch.ranking._resume_guard import ResumeBusy, read_resume

if TYPE_CHECKING:
    from jobmatch.ranking._cache import EmbeddingCache, MemoryEmbeddingCache, embedding_key
    from jobmatch.ranking._ranker import Ranker, Ranking

# The ranker's names load on first use: every resume is read by a child process that imports this package for
# `_resume_guard` alone, and the ranker's imports (numpy among them) would add half again to its start-up.
_LAZY = {
    "EmbeddingCache": "_cache",
    "MemoryEmbeddingCache": "_cache",
    "embedding_key": "_cache",
    "Ranker": "_ranker",
    "Ranking": "_ranker",
}

__all__ = [
    "EmbeddingCache",
    "MemoryEmbeddingCache",
    "Ranker",
    "Ranking",
    "ResumeBusy",
    "ResumeError",
    "ResumeTooLarge",
    "embedding_key",
    "read_resume",
]


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
