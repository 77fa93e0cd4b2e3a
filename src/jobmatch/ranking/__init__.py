"""Ranking postings against a resume: read the resume, embed texts once, score with evidence a job seeker can check.

Public surface: `read_resume`, `ResumeError` (and its `ResumeTooLarge`, `ResumeBusy`), `EmbeddingCache`,
`MemoryEmbeddingCache`, `Ranker`, `Ranking`.
Heavy libraries (torch, sentence-transformers) are imported only when a text has to be embedded.
"""

from jobmatch.ranking._cache import EmbeddingCache, MemoryEmbeddingCache, embedding_key
from jobmatch.ranking._ranker import Ranker, Ranking
from jobmatch.ranking._resume import ResumeError, ResumeTooLarge
from jobmatch.ranking._resume_guard import ResumeBusy, read_resume

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
