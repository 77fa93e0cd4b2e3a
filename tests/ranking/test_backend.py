"""Choosing the embedding backend (no model loaded), and the lazily computed parts of a posting's analysis."""

from __future__ import annotations

import pytest

from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.ranking import _encoder
from jobmatch.ranking._analysis import analyse
from jobmatch.ranking._keywords import candidate_terms, clause_terms
from jobmatch.ranking._words import words



@pytest.mark.parametrize("native", [True, False])
def test_auto_backend_follows_the_cpu(monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    monkeypatch.setattr(_encoder, "_BF16", native)
    auto = Settings(embed_backend="auto")
    assert _encoder.effective_backend(auto) == ("torch-bf16" if native else "torch")
    assert _encoder.model_id(auto).endswith("@torch-bf16") == native
    # bf16 asked for on a CPU without it runs (and stores vectors) as fp32
    assert _encoder.effective_backend(Settings(embed_backend="torch-bf16")) == ("torch-bf16" if native else "torch")
    assert _encoder.model_id(Settings(embed_backend="torch")) == Settings().model


def test_clause_terms_match_word_by_word_terms() -> None:
    text = "Build data pipelines in Node.js, Apache Spark; C++ - Ph.D. preferred.\nWork with SQL / dbt"
    expected = candidate_terms(words("Build data pipelines in Node.js"))
    for clause in ("Apache Spark", "C++", "Ph.D. preferred", "Work with SQL", "dbt"):
        expected.update(candidate_terms(words(clause)))
    assert clause_terms(text) == expected


def test_shingles_and_word_text_are_lazy() -> None:
    analysis = analyse(JobPosting(source="test", job_id="lazy-1", url="", title="Data Engineer", company="Acme",
                                  description="Build pipelines with Spark and Airflow daily."))
    assert analysis._shingles is None and analysis._text is None
    assert "pipelines with spark" in analysis.shingles
    assert analysis.text.contains("airflow")
    assert analysis.bag["spark"] == 1 and "spark" in analysis.terms
