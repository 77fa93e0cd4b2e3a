"""The ranker end to end with the real model: order, weights, blocklists, evidence, the embedding cache."""

from __future__ import annotations

import pytest

from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.ranking import MemoryEmbeddingCache, Ranker

pytestmark = pytest.mark.model


@pytest.fixture
def ranker() -> Ranker:
    return Ranker(Settings(), MemoryEmbeddingCache())


def test_relevant_postings_rank_first(ranker: Ranker, postings: list[JobPosting], resume: str) -> None:
    ranking = ranker.rank(resume, postings)
    ids = [match.job_id for match in ranking.matches]
    assert set(ids[:2]) == {"ds", "mle"}
    assert [match.rank for match in ranking.matches] == [1, 2, 3, 4]
    assert all(match.score == match.raw_score and not match.fired_weights for match in ranking.matches)


def test_word_scores_multiply_once_per_term(ranker: Ranker, postings: list[JobPosting], resume: str) -> None:
    ranking = ranker.rank(resume, postings, word_scores={"phd": 2.0, "python": 1.5, "kitchen": 10.0})
    by_id = {match.job_id: match for match in ranking.matches}
    assert by_id["ds"].fired_weights == {"phd": 2.0, "python": 1.5}
    assert by_id["ds"].score == pytest.approx(by_id["ds"].raw_score * 3.0, rel=1e-4)
    assert by_id["chef"].fired_weights == {"kitchen": 10.0}
    assert by_id["chef"].score == pytest.approx(by_id["chef"].raw_score * 10.0, rel=1e-4)
    assert by_id["nurse"].score == by_id["nurse"].raw_score


def test_blocklists_count_as_filtered(ranker: Ranker, postings: list[JobPosting], resume: str) -> None:
    ranking = ranker.rank(resume, postings, company_blocklist=["GLOBEX"], title_blocklist=["nurse"], top_n=1)
    assert ranking.filtered == 2
    assert [match.job_id for match in ranking.matches] == ["ds"]


def test_keyword_evidence(ranker: Ranker, postings: list[JobPosting], resume: str) -> None:
    match = next(m for m in ranker.rank(resume, postings).matches if m.job_id == "mle")
    shared = " | ".join(match.matched_keywords)
    assert "spark" in shared and "aws" in shared
    assert "kubernetes" in match.missing_keywords
    assert not {"berlin", "globex", "plus"} & set(match.matched_keywords + match.missing_keywords)


def test_second_ranking_embeds_nothing(postings: list[JobPosting], resume: str) -> None:
    cache = MemoryEmbeddingCache()
    ranker = Ranker(Settings(), cache)
    assert ranker.embed_postings(postings) > 0
    assert ranker.embed_postings(postings) == 0
    first = ranker.rank(resume, postings)
    assert first.embedded == 3  # only the resume, its target title and its opening words
    again = Ranker(Settings(), cache).rank(resume, postings)
    assert again.embedded == 0
    assert [m.job_id for m in again.matches] == [m.job_id for m in first.matches]


def test_closed_postings_kept_and_flagged(ranker: Ranker, postings: list[JobPosting], resume: str) -> None:
    postings[0] = postings[0].model_copy(update={"closed": True})
    ranking = ranker.rank(resume, postings)
    assert next(m for m in ranking.matches if m.job_id == "ds").closed


def test_empty_inputs(ranker: Ranker, resume: str) -> None:
    assert ranker.rank(resume, []).matches == []
