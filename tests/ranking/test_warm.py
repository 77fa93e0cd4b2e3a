"""A ranking whose vectors are all cached: no model, no torch, and no reading of postings nobody will see."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from jobmatch.config import Settings
    from jobmatch.models import JobPosting
    from jobmatch.ranking import MemoryEmbeddingCache, Ranker, embedding_key
    from jobmatch.ranking import _analysis

    postings = [
        JobPosting(source="t", job_id=str(i), url="", title=f"Data Engineer {i}", company=f"C{i}",
                   description=f"Build pipelines with Spark and Airflow, posting {i}. Kafka, SQL and AWS.")
        for i in range(40)
    ]
    resume = "Senior Data Engineer\\nSpark, Airflow, Kafka, SQL on AWS."
    settings = Settings(rank_lexical_candidates=10, top_n=3)
    cache = MemoryEmbeddingCache()
    ranker = Ranker(settings, cache)
    query = ranker._query(resume, "Senior Data Engineer")
    keys = [embedding_key(t) for t in query.texts()]
    keys += [key for p in postings for key, _ in ranker._posting_fields(p)]
    rng = np.random.default_rng(0)
    cache.save_embeddings(ranker.model_id, {k: rng.standard_normal(384).astype(np.float32) for k in keys})
    ranking = ranker.rank(resume, postings)
    assert ranking.embedded == 0 and len(ranking.matches) == 3
    assert ranking.matches[0].matched_keywords, ranking.matches[0]
    print(len(_analysis._memo), "torch" in sys.modules, "sentence_transformers" in sys.modules)
    """
)


def test_warm_ranking_loads_no_model_and_reads_only_candidates() -> None:
    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    analysed, torch, sentence_transformers = done.stdout.split()
    assert (torch, sentence_transformers) == ("False", "False")
    assert int(analysed) <= 10 + 3  # the BM25 candidates and the matches shown, not all 40
