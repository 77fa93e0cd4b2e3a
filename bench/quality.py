"""Ranking quality on two posting pools and two resume sources: nDCG@10 per occupation, the original method as the
baseline of every table, paired bootstrap CIs; then the human-ranked Vanetik set.

Run: HF_HUB_OFFLINE=1 .venv/bin/python -m bench.quality [--quick] [--ablations NAME ...] [--no-ablations]
Pools: Google (847 postings, one employer) and Monster (~950 postings, many US employers, labelled by title, see
bench/devdata.py). Resumes: Kaggle UpdatedResumeDataSet (166, 25 categories) and florex (150 IT resumes). Every
resume is ranked as given and with its first line (headline) removed. Embeddings are cached in
$JOBMATCH_BENCH_CACHE (default /tmp/jobmatch-bench/embeddings.sqlite).

The rule a change must pass (issue 13): better than the original on every pool, and no occupation worse than the
original beyond noise (the paired 95% bootstrap interval of jobmatch - original entirely below 0).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from bench.devdata import DATA, Pool, Resume, SqliteCache, florex_resumes, google_pool, kaggle_resumes, monster_pool

from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.ranking import Ranker, _encoder, embedding_key
from jobmatch.ranking._analysis import analyse, resume_terms
from jobmatch.ranking._lexical import bm25

ORIGINAL = "original"
JOBMATCH = "jobmatch"

# ---------------------------------------------------------------- metrics


def ndcg10(relevant: Sequence[bool], total_relevant: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(relevant[:10]) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, total_relevant)))
    return dcg / ideal if ideal else 0.0


def bootstrap(values: np.ndarray, rounds: int = 2000, seed: int = 7) -> tuple[float, float]:
    if len(values) < 2:
        return float(values.mean()), float(values.mean())
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(rounds, len(values)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def spearman(order_a: Sequence[int], order_b: Sequence[int]) -> float:
    """Spearman's rho of two orderings of the same items (best first)."""
    rank_a = {item: i for i, item in enumerate(order_a)}
    rank_b = {item: i for i, item in enumerate(order_b)}
    n = len(order_a)
    d2 = sum((rank_a[item] - rank_b[item]) ** 2 for item in order_a)
    return 1 - 6 * d2 / (n * (n * n - 1))


# ---------------------------------------------------------------- methods

Method = Callable[[str, list[JobPosting]], list[str]]  # resume, pool -> job ids, best first


def bm25_method(resume: str, pool: list[JobPosting]) -> list[str]:
    _, bag = resume_terms(resume)
    scores = bm25(bag, [analyse(p).bag for p in pool])
    return [pool[i].job_id for i in np.argsort(-scores, kind="stable")]


def original_method(settings: Settings, cache: SqliteCache) -> Method:
    """The original: one whole-text MiniLM embedding of the posting against one of the resume (256 word pieces)."""
    model = _encoder.model_id(settings)
    matrices: dict[int, np.ndarray] = {}

    def vectors(texts: list[str]) -> np.ndarray:
        keys = [embedding_key(t) for t in texts]
        found = cache.load_embeddings(model, keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            by_key = {embedding_key(t): t for t in texts}
            fresh = _encoder.encode(settings, [by_key[k] for k in missing])
            cache.save_embeddings(model, dict(zip(missing, fresh, strict=True)))
            found.update(zip(missing, fresh, strict=True))
        return np.vstack([found[k] for k in keys])

    def method(resume: str, pool: list[JobPosting]) -> list[str]:
        if id(pool) not in matrices:
            matrices[id(pool)] = vectors([f"{p.title}\n{p.description}" for p in pool])
        scores = matrices[id(pool)] @ vectors([resume])[0]
        return [pool[i].job_id for i in np.argsort(-scores, kind="stable")]

    return method


def ranker_method(settings: Settings, cache: SqliteCache) -> Method:
    ranker = Ranker(settings, cache)

    def method(resume: str, pool: list[JobPosting]) -> list[str]:
        ranking = ranker.rank(resume, pool, top_n=10)
        ids: list[str] = []
        for match in ranking.matches:
            ids.append(match.job_id)
            ids.extend(match.duplicates)  # a folded repost shares its match's place
        return ids

    return method


# ---------------------------------------------------------------- runs

Scores = dict[str, np.ndarray]  # method -> nDCG@10 per resume


def pool_run(
    methods: dict[str, Method], resumes: list[Resume], pool: Pool, first_line: bool, saved: Path | None = None
) -> Scores:
    """nDCG@10 of every method for every resume; with `saved`, each method's scores are kept there (a rerun with
    the same code and resumes reuses them: delete the folder after changing the ranker)."""
    out: Scores = {}
    for name, method in methods.items():
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower())
        file = saved / f"{pool.name}-{first_line}-{len(resumes)}-{slug}.npy" if saved else None
        if file and file.exists():
            out[name] = np.load(file)
            continue
        started = time.perf_counter()
        values = []
        for resume in resumes:
            wanted = set(pool.accepts[resume.occupation])
            total = sum(label in wanted for label in pool.labels.values())
            ranked = method(resume.text if first_line else resume.cut, pool.postings)
            values.append(ndcg10([pool.labels[job_id] in wanted for job_id in ranked[:10]], total))
        out[name] = np.array(values)
        print(f"    ({pool.name}, {name.strip()}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
        if file:
            file.parent.mkdir(parents=True, exist_ok=True)
            np.save(file, out[name])
    return out


def sign_flip_p(diff: np.ndarray, rounds: int = 20000, seed: int = 7) -> float:
    """Two-sided p-value of a paired sign-flip (permutation) test of mean(diff) = 0: exact over every sign pattern
    of the non-zero differences up to 16 of them, else from `rounds` random patterns. Unlike the percentile
    bootstrap, it does not claim more than a handful of resumes can show: with 3 differing resumes its smallest
    p-value is 0.25."""
    values = diff[diff != 0]
    if len(values) == 0:
        return 1.0
    if len(values) <= 16:
        signs = 1 - 2 * ((np.arange(2 ** len(values))[:, None] >> np.arange(len(values))) & 1)
    else:
        signs = np.random.default_rng(seed).choice([-1, 1], size=(rounds, len(values)))
    means = np.abs((signs * values).mean(axis=1))
    return float((means >= abs(values.mean()) - 1e-12).mean())


def _delta(diff: np.ndarray) -> tuple[str, bool]:
    low, high = bootstrap(diff)
    return f"{diff.mean():+.3f} [{low:+.3f},{high:+.3f}]", high < 0


def occupation_table(title: str, scores: Scores, resumes: list[Resume]) -> None:
    """Per occupation: n, BM25, original, jobmatch, jobmatch - original with its paired bootstrap CI and the
    sign-flip test's p-value; '!' marks worse beyond noise by the bootstrap (the issue's rule)."""
    print(f"\n{title}")
    print(
        f"  {'occupation':<22} {'n':>4} {'BM25':>6} {ORIGINAL:>9} {JOBMATCH:>9}  {'jobmatch - original [95% CI]':<28}"
        f" {'p':>5}"
    )
    occupations = sorted({r.occupation for r in resumes})
    rows = [(occ, np.array([r.occupation == occ for r in resumes])) for occ in occupations]
    sources = sorted({r.source for r in resumes})
    if len(sources) > 1:
        rows += [(f"all {s}", np.array([r.source == s for r in resumes])) for s in sources]
    rows.append(("ALL", np.ones(len(resumes), dtype=bool)))
    for name, mask in rows:
        diff = scores[JOBMATCH][mask] - scores[ORIGINAL][mask]
        text, worse = _delta(diff)
        print(
            f"  {name:<22} {mask.sum():>4} {scores['BM25'][mask].mean():>6.3f} {scores[ORIGINAL][mask].mean():>9.3f} "
            f"{scores[JOBMATCH][mask].mean():>9.3f}  {text:<28} {sign_flip_p(diff):>5.3f}{' !' if worse else ''}"
        )


def worse_occupations(values: np.ndarray, base: np.ndarray, resumes: list[Resume]) -> list[str]:
    """Occupations where `values` is below `base` beyond noise (paired 95% CI entirely below 0)."""
    out = []
    for occupation in sorted({r.occupation for r in resumes}):
        mask = np.array([r.occupation == occupation for r in resumes])
        if _delta(values[mask] - base[mask])[1]:
            out.append(occupation)
    return out


def ablation_table(runs: list[tuple[str, Scores, list[Resume]]], names: list[str]) -> None:
    """Each variant against the original and against jobmatch's defaults, on every pool and resume variant."""
    print("\nVariants of jobmatch (one setting changed), nDCG@10; d-orig and d-default are paired deltas [95% CI];")
    print("'worse' lists occupations below the original beyond noise")
    for label, scores, resumes in runs:
        print(f"  -- {label}")
        for name in [JOBMATCH, *names]:
            values = scores[name]
            d_orig, _ = _delta(values - scores[ORIGINAL])
            d_default = _delta(values - scores[JOBMATCH])[0] if name != JOBMATCH else ""
            worse = ", ".join(worse_occupations(values, scores[ORIGINAL], resumes)) or "-"
            print(f"     {name:<34} {values.mean():.3f}  d-orig {d_orig:<24} d-default {d_default:<24} worse: {worse}")


def vanetik() -> tuple[list[str], list[JobPosting], list[list[list[int]]]]:
    folder = DATA / "vanetik_vacancy_resume_matching"
    vacancies = list(csv.DictReader(open(folder / "5_vacancies.csv", encoding="utf-8")))
    postings = [
        JobPosting(
            source="vanetik",
            job_id=str(i + 1),
            url="",
            title=row["job_title"],
            company=f"c{i}",
            description=row["job_description"],
        )
        for i, row in enumerate(vacancies)
    ]
    cvs = {
        int(row["cv_id"]): row["text"]
        for row in csv.DictReader(open(folder / "cv_texts_derived.csv", encoding="utf-8"))
    }
    notes = (folder / "annotations-for-the-first-30-vacancies.txt").read_text(encoding="utf-8")
    annotators = []
    for name in ("ANNOTATOR_1_RANKINGS", "ANNOTATOR_2_RANKINGS"):
        block = notes.split(name, 1)[1].split("]]", 1)[0]
        annotators.append([[int(x) for x in group.split(",")] for group in re.findall(r"\[([\d,\s]+)\]", block)])
    n = max(len(a) for a in annotators)
    return [cvs[i + 1] for i in range(n)], postings, annotators


def kendall(order_a: Sequence[int], order_b: Sequence[int]) -> float:
    """Kendall's tau of two orderings of the same items (best first); no ties."""
    rank_b = {item: i for i, item in enumerate(order_b)}
    pairs = [(i, j) for i in range(len(order_a)) for j in range(i + 1, len(order_a))]
    concordant = sum(rank_b[order_a[i]] < rank_b[order_a[j]] for i, j in pairs)
    return (2 * concordant - len(pairs)) / len(pairs)


def graded_ndcg(order: Sequence[int], truth: Sequence[int]) -> float:
    """nDCG of `order` with the annotator's places as grades (place 1 of 5 -> grade 4, place 5 -> grade 0)."""
    grade = {item: len(truth) - 1 - i for i, item in enumerate(truth)}
    dcg = sum((2 ** grade[item] - 1) / math.log2(i + 2) for i, item in enumerate(order))
    ideal = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(grade.values(), reverse=True)))
    return dcg / ideal


def _as_ids(ranks: Sequence[int]) -> list[int]:
    """The other reading of an array: entry i is the place of vacancy i+1 -> vacancy numbers, best first."""
    return [list(ranks).index(place) + 1 for place in range(1, len(ranks) + 1)]


def vanetik_run(methods: dict[str, Method]) -> None:
    cvs, postings, annotators = vanetik()
    # The dataset's note: "vacancies 1-5 are ranked from the best (place 1 in the annotation array) to the worst
    # (place 5)": entry k is the vacancy (row k of 5_vacancies.csv, ids 8, 37, 90, 207, 499) placed k-th. Arrays
    # that are not a permutation of 1..5 (e.g. [1,5,2,1,4]) are skipped. Most arrays are their own inverse, so
    # reading them as "place of vacancy i" instead changes little (shown below as a check, not used).
    valid = [[order if sorted(order) == [1, 2, 3, 4, 5] else None for order in a] for a in annotators]
    print("\nHuman-ranked set (Vanetik & Kogan 2023): 5 vacancies ranked per CV, agreement with each annotator")
    print("  (arrays read as vacancy numbers, best first, as the dataset's note says; invalid arrays skipped;")
    print("   rho = Spearman, tau = Kendall, nDCG = graded by the annotator's places 4..0; 95% bootstrap CIs)")
    agree = [(spearman(a, b), kendall(a, b)) for a, b in zip(*valid, strict=False) if a and b]
    print(
        f"  {'annotator 1 vs annotator 2':<30} rho {np.mean([r for r, _ in agree]):+.3f} "
        f"tau {np.mean([t for _, t in agree]):+.3f} (n={len(agree)})"
    )
    mean_place = [np.mean([o.index(v) + 1 for o in a if o], axis=0) for a in valid for v in range(1, 6)]
    print(
        "  mean place of vacancies 1-5:  A1 "
        + " ".join(f"{x:.1f}" for x in mean_place[:5])
        + "   A2 "
        + " ".join(f"{x:.1f}" for x in mean_place[5:])
    )
    for name, method in methods.items():
        orders = [[int(job_id) for job_id in method(cv, postings)] for cv in cvs]
        cells = []
        for index, annotator in enumerate(valid, 1):
            pairs = [(order, truth) for order, truth in zip(orders, annotator, strict=False) if truth]
            rhos = np.array([spearman(o, t) for o, t in pairs])
            taus = np.array([kendall(o, t) for o, t in pairs])
            ndcgs = np.array([graded_ndcg(o, t) for o, t in pairs])
            other = np.mean([spearman(o, _as_ids(t)) for o, t in pairs])
            low, high = bootstrap(rhos)
            cells.append(
                f"A{index}: rho {rhos.mean():+.2f} [{low:+.2f},{high:+.2f}] tau {taus.mean():+.2f} "
                f"nDCG {ndcgs.mean():.2f} (rho as place-of-vacancy {other:+.2f}; n={len(rhos)})"
            )
        places = np.mean([[o.index(v) + 1 for v in range(1, 6)] for o in orders], axis=0)
        print(f"  {name:<30} " + "  ".join(cells) + "  mean places " + " ".join(f"{x:.1f}" for x in places))


ABLATIONS: dict[str, dict[str, object]] = {
    "- no relevance feedback": {"rank_feedback_weight": 0.0},
    "+ feedback weight 1.0": {"rank_feedback_weight": 1.0},
    "+ feedback from best 10": {"rank_feedback_postings": 10},
    "+ feedback half from titles": {"rank_feedback_title_share": 0.5},
    "+ feedback 1.0, half from titles": {"rank_feedback_weight": 1.0, "rank_feedback_title_share": 0.5},
    "- no occupation field": {"rank_occupation_weight": 0.0},
    "+ occupation field 0.5": {"rank_occupation_weight": 0.5},
    "- no BM25 fusion": {"rank_lexical_weight": 0.0},
    "+ BM25 weight 0.2": {"rank_lexical_weight": 0.2},
    "+ BM25 over all postings": {"rank_lexical_candidates": 0},
    "+ BM25 over best 100": {"rank_lexical_candidates": 100},
    "- no resume target title": {"rank_target_title_weight": 0.0},
    "- no resume opening vs title": {"rank_opening_weight": 0.0},
    "+ title fields 0.25 each": {"rank_target_title_weight": 0.25, "rank_opening_weight": 0.25},
    "+ posting-title field 0.5": {"rank_title_weight": 0.5},
    "+ 192 word pieces": {"embed_max_tokens": 192},
    "+ 128 word pieces": {"embed_max_tokens": 128},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every 3rd resume, for a fast look")
    parser.add_argument("--no-ablations", action="store_true", help="only BM25, the original and jobmatch")
    parser.add_argument("--ablations", nargs="+", default=None, help="only these variants (names as printed)")
    parser.add_argument("--pools", nargs="+", default=["Google", "Monster"])
    parser.add_argument("--backend", default=None, help="embedding backend for the ranker (default: settings)")
    parser.add_argument("--saved", type=Path, default=None, help="keep each method's scores here and reuse them")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Path(os.environ.get("JOBMATCH_HOME", "/tmp/jobmatch-bench-home"))
    cache = SqliteCache(Path(os.environ.get("JOBMATCH_BENCH_CACHE", "/tmp/jobmatch-bench/embeddings.sqlite")))
    settings = Settings(home=home)
    if args.backend:
        settings = settings.model_copy(update={"embed_backend": args.backend})
    resumes = kaggle_resumes() + florex_resumes()
    if args.quick:
        resumes = resumes[::3]
    methods: dict[str, Method] = {
        "BM25": bm25_method,
        ORIGINAL: original_method(Settings(home=home, embed_backend="torch", embed_max_tokens=256), cache),
        JOBMATCH: ranker_method(settings, cache),
    }
    chosen = [] if args.no_ablations else [n for n in ABLATIONS if args.ablations is None or n in args.ablations]
    for name in chosen:
        methods[name] = ranker_method(settings.model_copy(update=ABLATIONS[name]), cache)
    print(f"(ranker backend: {_encoder.effective_backend(settings)}, {settings.embed_max_tokens} word pieces)")
    started = time.perf_counter()
    runs: list[tuple[str, Scores, list[Resume]]] = []
    for pool in (p() for p in (google_pool, monster_pool) if p.__name__.split("_")[0].title() in args.pools):
        measured = [r for r in resumes if r.occupation in pool.accepts]
        for first_line in (True, False):
            variant = "as given" if first_line else "first line removed"
            scores = pool_run(methods, measured, pool, first_line, args.saved)
            label = f"{pool.name} pool ({len(pool.postings)} postings), resumes {variant}"
            occupation_table(f"{label}: nDCG@10 per occupation", scores, measured)
            runs.append((label, scores, measured))
            sys.stdout.flush()
    if chosen:
        ablation_table(runs, chosen)
    vanetik_run({name: methods[name] for name in ("BM25", ORIGINAL, JOBMATCH)})
    print(f"\n(ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
