"""Pseudo-relevance feedback: postings like the resume's best matches rise; small searches are left alone."""

from __future__ import annotations

import numpy as np

from jobmatch.config import Settings
from jobmatch.ranking._ranker import _feedback


def _unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _two_kinds_of_job() -> tuple[np.ndarray, np.ndarray]:
    # Postings 0-9 are one kind of job (vectors near x), 10-19 another (near y).
    rng = np.random.default_rng(3)
    near_x = [[1.0, 0.1 * rng.random(), 0.1 * rng.random()] for _ in range(10)]
    near_y = [[0.1 * rng.random(), 1.0, 0.1 * rng.random()] for _ in range(10)]
    vectors = _unit(near_x + near_y)
    return vectors, vectors.copy()


def test_a_posting_like_the_best_matches_overtakes_an_unlike_one() -> None:
    body, titles = _two_kinds_of_job()
    scores = np.full(20, 0.30)
    scores[:5] = 0.60  # the resume plainly matches five postings of the first kind
    scores[9] = 0.40  # one more of that kind, worded so the resume's vector misses it
    scores[10] = 0.45  # a posting of the other kind that happens to score a little higher
    settings = Settings(rank_feedback_weight=1.0, rank_feedback_postings=5)
    fed = _feedback(scores, list(range(20)), body, titles, settings)
    assert fed[9] > fed[10]
    assert set(np.argsort(-fed)[:5]) == {0, 1, 2, 3, 4}  # the clear matches stay on top


def test_small_searches_and_weight_zero_keep_the_scores() -> None:
    body, titles = _two_kinds_of_job()
    scores = np.linspace(0.9, 0.1, 20)
    small = Settings(rank_feedback_postings=11)  # 20 postings < 2 x 11
    assert np.array_equal(_feedback(scores, list(range(20)), body, titles, small), scores)
    off = Settings(rank_feedback_weight=0.0)
    assert np.array_equal(_feedback(scores, list(range(20)), body, titles, off), scores)


def test_folded_duplicates_do_not_vote() -> None:
    body, titles = _two_kinds_of_job()
    scores = np.full(20, 0.30)
    scores[10:15] = 0.90  # reposts of other-kind postings, folded away by dedup
    scores[:5] = 0.60
    survivors = [index for index in range(20) if not 10 <= index < 15]
    fed = _feedback(scores, survivors, body, titles, Settings(rank_feedback_postings=5))
    assert fed[5] > fed[15]  # the centroid comes from survivors 0-4, so the first kind is lifted
