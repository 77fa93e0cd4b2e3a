"""Ranking quality on the dev data: nDCG@10, P@10 and MRR for BM25, the original method and jobmatch's ranker.

Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/quality.py [--quick] [--no-ablations]
Data is read in place from <repo>/../shared/data/ranking-dev (see its SOURCES.md). Embeddings are cached on disk
under $JOBMATCH_HOME/bench-cache (or /tmp/jobmatch-bench-cache) between runs.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from jobmatch.config import Settings
from jobmatch.models import JobPosting
from jobmatch.ranking import Ranker, _encoder, embedding_key
from jobmatch.ranking._analysis import analyse, resume_terms
from jobmatch.ranking._lexical import bm25

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ranking-dev"

# Resume occupation -> Google job categories that are a fit (hand-made; occupations with no fitting Google
# category, "Arts" and "Health and fitness", are left out).
_SOFTWARE = ("Software Engineering", "Technical Solutions", "IT & Data Management")
LABEL_MAP: dict[str, tuple[str, ...]] = {
    "Data Science": _SOFTWARE,
    "Python Developer": _SOFTWARE,
    "Java Developer": _SOFTWARE,
    "DotNet Developer": _SOFTWARE,
    "SAP Developer": _SOFTWARE,
    "Blockchain": _SOFTWARE,
    "ETL Developer": _SOFTWARE,
    "Hadoop": _SOFTWARE,
    "Database": (*_SOFTWARE, "Technical Infrastructure"),
    "DevOps Engineer": (*_SOFTWARE, "Technical Infrastructure"),
    "Testing": _SOFTWARE,
    "Automation Testing": _SOFTWARE,
    "Web Designing": ("User Experience & Design", "Software Engineering"),
    "Network Security Engineer": ("Network Engineering", "Technical Infrastructure", "Data Center & Network"),
    "HR": ("People Operations",),
    "Advocate": ("Legal & Government Relations",),
    "Sales": ("Sales & Account Management", "Sales Operations"),
    "Business Analyst": ("Business Strategy", "Sales Operations"),
    "Operations Manager": ("Program Management", "Business Strategy", "Manufacturing & Supply Chain"),
    "PMO": ("Program Management",),
    "Mechanical Engineer": ("Hardware Engineering", "Manufacturing & Supply Chain"),
    "Electrical Engineering": ("Hardware Engineering",),
    "Civil Engineer": ("Real Estate & Workplace Services",),
}


class DiskCache:
    """An EmbeddingCache kept in one .npz file per model, so reruns embed nothing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._data: dict[str, dict[str, np.ndarray]] = {}
        self.dirty: set[str] = set()

    def _file(self, model: str) -> Path:
        return self.folder / (re.sub(r"[^A-Za-z0-9_.@-]", "_", model) + ".npz")

    def _model(self, model: str) -> dict[str, np.ndarray]:
        if model not in self._data:
            path = self._file(model)
            self._data[model] = dict(np.load(path)) if path.exists() else {}
        return self._data[model]

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        store = self._model(model)
        return {key: store[key] for key in keys if key in store}

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self._model(model).update(vectors)
        self.dirty.add(model)

    def flush(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for model in self.dirty:
            tmp = self._file(model).with_suffix(".tmp.npz")
            np.savez(tmp, **self._data[model])
            tmp.replace(self._file(model))
        self.dirty.clear()


# ---------------------------------------------------------------- data


def _unmojibake(text: str) -> str:
    # The resume CSV was decoded as cp1252 once too often ("â¢" for "•"); undo it line by line where it round-trips.
    out = []
    for line in text.split("\n"):
        try:
            out.append(line.encode("cp1252").decode("utf-8"))
        except (UnicodeEncodeError, UnicodeDecodeError):
            out.append(line)
    return "\n".join(out)


def google_postings() -> tuple[list[JobPosting], list[str]]:
    rows = list(csv.DictReader(open(DATA / "google_job_skills/job_skills.csv", encoding="utf-8"), delimiter=";"))
    seen: set[tuple[str, str]] = set()
    postings, categories = [], []
    for row in rows:
        description = "\n".join(
            f"{heading}:\n{row[column].strip()}"
            for heading, column in (
                ("Responsibilities", "Responsibilities"),
                ("Minimum qualifications", "Minimum Qualifications"),
                ("Preferred qualifications", "Preferred Qualifications"),
            )
            if row[column].strip()
        )
        key = (row["Title"], description)
        if key in seen or not description:
            continue
        seen.add(key)
        postings.append(
            JobPosting(
                source="google",
                job_id=str(len(postings)),
                url="",
                title=row["Title"],
                company=row["Company"],
                location=row["Location"],
                description=description,
            )
        )
        categories.append(row["Category"])
    return postings, categories


def labelled_resumes() -> list[tuple[str, str]]:
    rows = csv.DictReader(open(DATA / "updated_resume_dataset/UpdatedResumeDataSet.csv", encoding="utf-8"))
    unique = {row["Resume"]: row["Category"] for row in rows}
    return [(_unmojibake(text).strip(), label) for text, label in unique.items() if label in LABEL_MAP]


def drop_first_line(text: str) -> str:
    lines = text.strip().split("\n", 1)
    return lines[1].strip() if len(lines) > 1 and lines[1].strip() else text


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


# ---------------------------------------------------------------- metrics


def ndcg10(relevant: Sequence[bool], total_relevant: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(relevant[:10]) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, total_relevant)))
    return dcg / ideal if ideal else 0.0


def p10(relevant: Sequence[bool]) -> float:
    return sum(relevant[:10]) / 10


def mrr(relevant: Sequence[bool]) -> float:
    return next((1 / (i + 1) for i, hit in enumerate(relevant) if hit), 0.0)


def bootstrap(values: np.ndarray, rounds: int = 2000, seed: int = 7) -> tuple[float, float]:
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


def original_method(settings: Settings, cache: DiskCache) -> Method:
    """The original: one whole-text MiniLM embedding of the posting against one of the resume."""
    model = _encoder.model_id(settings)

    def vectors(texts: list[str]) -> np.ndarray:
        keys = [embedding_key(t) for t in texts]
        found = cache.load_embeddings(model, keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            by_key = {embedding_key(t): t for t in texts}
            fresh = _encoder.encode(settings, [by_key[k] for k in missing])
            cache.save_embeddings(model, dict(zip(missing, fresh)))
            found.update(zip(missing, fresh))
        return np.vstack([found[k] for k in keys])

    def method(resume: str, pool: list[JobPosting]) -> list[str]:
        matrix = vectors([f"{p.title}\n{p.description}" for p in pool])
        scores = matrix @ vectors([resume])[0]
        return [pool[i].job_id for i in np.argsort(-scores, kind="stable")]

    return method


def ranker_method(settings: Settings, cache: DiskCache, depth: int) -> Method:
    ranker = Ranker(settings, cache)

    def method(resume: str, pool: list[JobPosting]) -> list[str]:
        ranking = ranker.rank(resume, pool, top_n=depth)
        ids: list[str] = []
        for match in ranking.matches:
            ids.append(match.job_id)
            ids.extend(match.duplicates)  # a folded repost shares its match's place
        return ids

    return method


# ---------------------------------------------------------------- runs


def category_run(
    methods: dict[str, Method],
    resumes: list[tuple[str, str]],
    pool: list[JobPosting],
    categories: dict[str, str],
    first_line: bool,
) -> dict[str, np.ndarray]:
    results: dict[str, np.ndarray] = {}
    for name, method in methods.items():
        started = time.perf_counter()
        rows = []
        for text, label in resumes:
            resume = text if first_line else drop_first_line(text)
            wanted = set(LABEL_MAP[label])
            total = sum(categories[p.job_id] in wanted for p in pool)
            hits = [categories[job_id] in wanted for job_id in method(resume, pool)]
            rows.append((ndcg10(hits, total), p10(hits), mrr(hits)))
        results[name] = np.array(rows)
        print(f"    ({name}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return results


def print_table(title: str, results: dict[str, np.ndarray], baseline: str) -> None:
    print(f"\n{title}")
    _table(results, baseline)
    # Tuning looked at the even-numbered resumes only; the odd ones are held out (a check against overfitting).
    for half, name in ((0, "tuning half (even resumes)"), (1, "held-out half (odd resumes)")):
        print(f"  -- {name}: nDCG@10 and delta vs {baseline}")
        base = results[baseline][half::2, 0]
        for method, rows in results.items():
            diff = rows[half::2, 0] - base
            low, high = bootstrap(diff)
            delta = f"{diff.mean():+.3f} [{low:+.3f},{high:+.3f}]" if method != baseline else ""
            print(f"     {method:<34} {rows[half::2, 0].mean():.3f}  {delta}")


def _table(results: dict[str, np.ndarray], baseline: str) -> None:
    print(f"  {'method':<34} {'nDCG@10':>22} {'P@10':>22} {'MRR@100':>22} {'dNDCG vs ' + baseline:>26}")
    base = results[baseline][:, 0]
    for name, rows in results.items():
        cells = []
        for col in range(3):
            low, high = bootstrap(rows[:, col])
            cells.append(f"{rows[:, col].mean():.3f} [{low:.3f},{high:.3f}]")
        diff = rows[:, 0] - base
        low, high = bootstrap(diff)
        delta = f"{diff.mean():+.3f} [{low:+.3f},{high:+.3f}]" if name != baseline else ""
        print(f"  {name:<34} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} {delta:>26}")


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
    agree = [(spearman(a, b), kendall(a, b)) for a, b in zip(*valid) if a and b]
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
            pairs = [(order, truth) for order, truth in zip(orders, annotator) if truth]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every 3rd resume, for a fast look")
    parser.add_argument("--no-ablations", action="store_true", help="only the three headline methods")
    parser.add_argument("--backend", default=None, help="embedding backend for the ranker (default: settings)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Path(os.environ.get("JOBMATCH_HOME", "/tmp/jobmatch-bench-home"))
    cache = DiskCache(home / "bench-cache")
    settings = Settings(home=home)
    if args.backend:
        settings = settings.model_copy(update={"embed_backend": args.backend})
    pool, category_list = google_postings()
    categories = {p.job_id: c for p, c in zip(pool, category_list)}
    resumes = labelled_resumes()
    if args.quick:
        resumes = resumes[::3]
    depth = 100
    methods: dict[str, Method] = {
        "BM25": bm25_method,
        "original (whole-text cosine)": original_method(
            Settings(home=home, embed_backend="torch", embed_max_tokens=256), cache
        ),
        "jobmatch ranker": ranker_method(settings, cache, depth),
    }
    # The model's numeric precision: fp32 against bf16 autocast (the default where the CPU has AMX), same settings.
    if _encoder.bf16_supported():
        for backend in ("torch", "torch-bf16"):
            if backend != _encoder.effective_backend(settings):
                methods[f"  jobmatch ranker, {backend}"] = ranker_method(
                    settings.model_copy(update={"embed_backend": backend}), cache, depth
                )
    print(f"(ranker backend: {_encoder.effective_backend(settings)})")
    if not args.no_ablations:
        ablations = {
            "  + posting-title field 0.5": {"rank_title_weight": 0.5},
            "  - no resume target title": {"rank_target_title_weight": 0.0},
            "  - no resume opening vs title": {"rank_opening_weight": 0.0},
            "  + resume opening 60 words": {"rank_resume_opening_words": 60},
            "  + resume opening weight 0.75": {"rank_opening_weight": 0.75},
            "  + 256 word pieces (model's max)": {"embed_max_tokens": 256},
            "  + 128 word pieces": {"embed_max_tokens": 128},
            "  - no BM25 fusion": {"rank_lexical_weight": 0.0},
            "  - no relevance feedback": {"rank_feedback_weight": 0.0},
            "  + feedback from best 10%": {"rank_feedback_share": 0.1},
            "  + feedback weight 0.5": {"rank_feedback_weight": 0.5},
            "  - boilerplate kept": {"rank_strip_boilerplate": False},
            "  - no dedup": {"dedup_similarity": 1.01},
            "  + BM25 weight 0.2": {"rank_lexical_weight": 0.2},
            "  + target title weight 1.0": {"rank_target_title_weight": 1.0},
            "  + 3 resume passages (mean)": {"rank_resume_passages": 3},
        }
        for name, update in ablations.items():
            methods[name] = ranker_method(settings.model_copy(update=update), cache, depth)
    started = time.perf_counter()
    print(
        f"Category benchmark: {len(resumes)} resumes x {len(pool)} Google postings "
        f"({len(LABEL_MAP)} occupations mapped to job categories); 95% bootstrap CIs over resumes"
    )
    try:
        full = category_run(methods, resumes, pool, categories, first_line=True)
        print_table("Resumes as given", full, "original (whole-text cosine)")
        cut = category_run(methods, resumes, pool, categories, first_line=False)
        print_table("Every resume's first line removed", cut, "original (whole-text cosine)")
        vanetik_run({name: methods[name] for name in ("BM25", "original (whole-text cosine)", "jobmatch ranker")})
    finally:
        cache.flush()
    print(f"\n(ran in {time.perf_counter() - started:.0f} s; embeddings cached in {cache.folder})")


if __name__ == "__main__":
    main()
