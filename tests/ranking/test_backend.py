"""Choosing the embedding backend (no model loaded), and the lazily computed parts of a posting's analysis."""

from __future__ import annotations

import pytest

from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.ranking import _encoder
from jobmatch.ranking._analysis import analyse


@pytest.mark.parametrize(
    ("flags", "auto", "asked_bf16"),
    [
        ({"avx512_bf16", "amx_bf16"}, "torch-bf16", "torch-bf16"),  # AMX: bf16 is the faster path
        ({"avx512_bf16"}, "torch", "torch-bf16"),  # bf16 without AMX measured slower than fp32: only on request
        (set(), "torch", "torch"),  # no bf16 at all: fp32 even when asked
    ],
)
def test_auto_backend_follows_the_cpu(
    monkeypatch: pytest.MonkeyPatch, flags: set[str], auto: str, asked_bf16: str
) -> None:
    monkeypatch.setattr(_encoder, "_FLAGS", frozenset(flags))
    assert _encoder.effective_backend(Settings(embed_backend="auto")) == auto
    assert ("@torch-bf16" in _encoder.model_id(Settings(embed_backend="auto"))) == (auto == "torch-bf16")
    assert _encoder.effective_backend(Settings(embed_backend="torch-bf16")) == asked_bf16
    assert _encoder.model_id(Settings(embed_backend="torch", embed_max_tokens=256)) == Settings().model
    assert _encoder.model_id(Settings(embed_backend="torch", embed_max_tokens=192)) == Settings().model + "@len192"


def test_shingles_and_word_text_are_lazy() -> None:
    analysis = analyse(
        JobPosting(
            source="test",
            job_id="lazy-1",
            url="",
            title="Data Engineer",
            company="Acme",
            description="Build pipelines with Spark and Airflow daily.",
        )
    )
    assert analysis._shingles is None and analysis._text is None
    assert "pipelines with spark" in analysis.shingles
    assert analysis.text.contains("airflow")
    assert analysis.bag["spark"] == 1 and "spark" in analysis.terms
