"""The same job once: a posting on LinkedIn and on the company's own board folds, two real openings do not."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobmatch.models import JobPosting
from jobmatch.ranking._dedup import also_at, fold_duplicates, shingles
from jobmatch.ranking._words import words

TEXT = (
    "Build forecasting models in Python and SQL for the pricing team, run A/B tests, and present results to "
    "product leaders. You know statistics, causal inference and experiment design. "
) * 3


def _posting(source: str, job_id: str, title: str, company: str, location: str, text: str = TEXT) -> JobPosting:
    return JobPosting(
        source=source,
        job_id=job_id,
        url=f"https://{source.split(':')[0]}.example/{job_id}",
        title=title,
        company=company,
        location=location,
        description=text,
        posted_at=date(2026, 11, 20),
    )


def _fold(postings: list[JobPosting]) -> tuple[list[int], dict[int, list[int]]]:
    vectors = np.ones((len(postings), 2), dtype=np.float32) / np.sqrt(2)  # every pair a candidate: the rule decides
    return fold_duplicates(postings, vectors, [shingles(words(p.description)) for p in postings], 0.8)


def test_a_job_on_linkedin_and_on_its_company_board_is_shown_once_with_both_links() -> None:
    postings = [
        _posting("linkedin", "1", "Senior Data Scientist", "Stripe", "New York, NY"),
        _posting("greenhouse:stripe", "77", "Senior Data Scientist", "Stripe, Inc.", "New York, NY, United States",
                 TEXT + " Apply by December."),
    ]  # fmt: skip
    kept, folded = _fold(postings)
    assert len(kept) == 1
    survivor = kept[0]
    others = [postings[i] for i in folded[survivor]]
    assert also_at(postings[survivor], others) == [postings[1 - survivor].url]


def test_two_openings_with_the_same_title_in_different_cities_stay_two() -> None:
    postings = [
        _posting("greenhouse:stripe", "1", "Data Scientist", "Stripe", "New York, NY"),
        _posting("greenhouse:stripe", "2", "Data Scientist", "Stripe", "Dublin, Ireland"),
        _posting("linkedin", "3", "Data Scientist", "Stripe", "Dublin"),
    ]
    kept, folded = _fold(postings)
    assert len(kept) == 2 and 0 in kept  # New York stays; the Dublin opening on both boards is one
    [(survivor, others)] = folded.items()
    assert {survivor, *others} == {1, 2}


def test_same_text_but_another_title_or_company_stays_apart() -> None:
    postings = [
        _posting("lever:acme", "1", "Data Scientist", "Acme", "Remote"),
        _posting("lever:acme", "2", "Data Engineer", "Acme", "Remote"),
        _posting("linkedin", "3", "Data Scientist", "Globex", "Remote - US"),
    ]
    kept, folded = _fold(postings)
    assert kept == [0, 1, 2] and folded == {}


@pytest.mark.model
def test_the_ranker_shows_a_cross_posted_job_once_with_both_links_and_its_pay() -> None:
    from jobmatch.config import Settings
    from jobmatch.ranking import MemoryEmbeddingCache, Ranker

    older = _posting("linkedin", "1", "Data Scientist", "Stripe", "New York, NY")
    linkedin = older.model_copy(update={"posted_at": date(2026, 11, 18)})
    company = _posting("greenhouse:stripe", "9", "Data Scientist", "Stripe", "New York").model_copy(
        update={"salary_min": 150000.0, "salary_currency": "USD", "apply_url": "https://x.example/apply"}
    )
    dublin = _posting("greenhouse:stripe", "10", "Data Scientist", "Stripe", "Dublin, Ireland")
    ranker = Ranker(Settings(), MemoryEmbeddingCache())
    ranking = ranker.rank("Data scientist: Python, SQL, forecasting.", [linkedin, company, dublin])
    assert sorted(m.job_id for m in ranking.matches) == ["10", "9"] and ranking.duplicates == 1
    shown = next(m for m in ranking.matches if m.job_id == "9")  # the newer of the two stands for the job
    assert shown.also_at == [linkedin.url] and shown.duplicates == ["1"]
    assert (shown.salary_min, shown.salary_currency, shown.apply_url) == (150000.0, "USD", "https://x.example/apply")
