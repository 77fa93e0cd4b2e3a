"""Ranking postings against a resume: read the resume, embed texts once, score with evidence a job seeker can check.

Public surface: `read_resume`, `ResumeError`, `EmbeddingCache`, `MemoryEmbeddingCache`, `Ranker`, `Ranking`.
Heavy libraries (torch, sentence-transformers) are imported only when a text has to be embedded.
"""

from jobmatch.ranking._cache import EmbeddingCache, MemoryEmbeddingCache, embedding_key
from jobmatch.ranking._ranker import Ranker, Ranking
from jobmatch.ranking._resume import ResumeError, read_resume

__all__ = [
    "EmbeddingCache",
    "MemoryEmbeddingCache",
    "Ranker",
    "Ranking",
    "ResumeError",
    "embedding_key",
    "read_resume",
]
