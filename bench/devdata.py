"""The development data for ranking benchmarks: two posting pools, two resume sources, occupation labels for all.

Read in place from <repo>/../shared/data/ranking-dev (see its SOURCES.md); nothing is copied into the project.

Occupations are the rows of every per-occupation table. A resume has one (its dataset label, mapped below); a
posting is relevant to it when the posting's label is among the labels the occupation accepts in that pool:
Google's own job categories, or, for Monster (no labels given), the group its title falls in by `MONSTER_RULES`
(hand-written, spot-checked with `python bench/devdata.py`).
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobmatch.models import JobPosting

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ranking-dev"


@dataclass(frozen=True)
class Resume:
    text: str  # as given, headline first
    cut: str  # the same with its first line (the headline) removed
    occupation: str
    source: str


@dataclass(frozen=True)
class Pool:
    name: str
    postings: list[JobPosting]
    labels: dict[str, str]  # job_id -> the pool's label ("" when it has none)
    accepts: Mapping[str, tuple[str, ...]]  # occupation -> labels relevant to it (absent: not measured here)


# ---------------------------------------------------------------- occupations of the resumes

# Kaggle UpdatedResumeDataSet categories and florex labels -> the occupation rows of the tables.
KAGGLE_OCCUPATION = {
    "Java Developer": "software developer",
    "Python Developer": "software developer",
    "DotNet Developer": "software developer",
    "SAP Developer": "software developer",
    "Blockchain": "software developer",
    "Data Science": "data science",
    "Hadoop": "data engineering",
    "ETL Developer": "data engineering",
    "Database": "database",
    "DevOps Engineer": "devops & systems",
    "Testing": "testing",
    "Automation Testing": "testing",
    "Web Designing": "web",
    "Network Security Engineer": "network & security",
    "HR": "hr",
    "Advocate": "legal",
    "Sales": "sales",
    "Business Analyst": "business analyst",
    "Operations Manager": "operations manager",
    "PMO": "project manager",
    "Mechanical Engineer": "mechanical engineer",
    "Electrical Engineering": "electrical engineer",
    "Civil Engineer": "civil engineer",
    "Health and fitness": "health & fitness",
    "Arts": "arts",
}
FLOREX_OCCUPATION = {
    "Software_Developer": "software developer",
    "Java_Developer": "software developer",
    "Python_Developer": "software developer",
    "Front_End_Developer": "web",
    "Web_Developer": "web",
    "Database_Administrator": "database",
    "Systems_Administrator": "devops & systems",
    "Network_Administrator": "network & security",
    "Security_Analyst": "network & security",
    "Project_manager": "project manager",
}

# ---------------------------------------------------------------- Google pool: its own categories

_SOFTWARE = ("Software Engineering", "Technical Solutions", "IT & Data Management")
GOOGLE_ACCEPTS: dict[str, tuple[str, ...]] = {
    "software developer": _SOFTWARE,
    "data science": _SOFTWARE,
    "data engineering": _SOFTWARE,
    "database": (*_SOFTWARE, "Technical Infrastructure"),
    "devops & systems": (*_SOFTWARE, "Technical Infrastructure"),
    "testing": _SOFTWARE,
    "web": ("User Experience & Design", "Software Engineering"),
    "network & security": ("Network Engineering", "Technical Infrastructure", "Data Center & Network"),
    "hr": ("People Operations",),
    "legal": ("Legal & Government Relations",),
    "sales": ("Sales & Account Management", "Sales Operations"),
    "business analyst": ("Business Strategy", "Sales Operations"),
    "operations manager": ("Program Management", "Business Strategy", "Manufacturing & Supply Chain"),
    "project manager": ("Program Management",),
    "mechanical engineer": ("Hardware Engineering", "Manufacturing & Supply Chain"),
    "electrical engineer": ("Hardware Engineering",),
    # No Google category fits "health & fitness", "arts" or "civil engineer": those resumes are measured on Monster
    # only. (Civil engineers were once mapped to Real Estate & Workplace Services; its 17 postings are security,
    # food-service, campus and real-estate managers, none an engineer's job, so that row measured noise.)
}

# ---------------------------------------------------------------- Monster pool: groups by title

# First matching rule wins; titles matching none are "other" (relevant to no occupation, still ranked).
MONSTER_RULES: list[tuple[str, str]] = [
    ("mechanical", r"\bcnc\b"),  # "CNC Programmer" programs machine tools
    (
        "testing",
        r"\bsqa\b|tester\b|\btest(?:ing)? (?:engineer|analyst|automation|development)|engineer in test|"
        r"engineer testing|automat\w* test|software qa|qa (?:engineer|analyst)|\bqtp\b|selenium|"
        r"product specialist - testing",
    ),
    (
        "data",
        r"data scien|data analy|data engineer|statistician|machine learning|\bbi developer|business intelligence|"
        r"analytics|reporting analyst|data conversion",
    ),
    ("database", r"\bdba\b|database"),
    (
        "network & security",
        r"network|security (?:operations|analyst|engineer)|cyber|infosec|information security|firewall",
    ),
    (
        "devops & systems",
        r"devops|site reliability|\bsre\b|cloud|azure|\baws\b|system\w* admin|systems? engineer|"
        r"data ?center|infrastructure|\bit (?:technician|support|specialist)|help ?desk|desktop support",
    ),
    ("web", r"web develop|web design|front.?end|\bux\b|\bui\b|user experience"),
    (
        "software",
        r"software|developer|programmer|\.net\b|\bjava\b|python|node\.?js|application develop|full.?stack|"
        r"back.?end|solution architect|algorithm|\bios\b|android|\bsap\b|\betl\b|hadoop|blockchain|enterprise search",
    ),
    ("legal", r"attorney|\bcounsel\b|paralegal|legal|lawyer|law firm|law secretary"),
    ("hr", r"human resources|\bhr\b|recruit|talent acquisition|payroll"),
    ("civil", r"civil|construction|estimator|superintendent|structural|surveyor|landscape architect|building engineer"),
    ("electrical", r"electrical|electronic|electrician|substation|controls engineer|instrumentation"),
    (
        "mechanical",
        r"mechanical|manufacturing engineer|\bcnc\b|machinist|mold maker|extrusion engineer|"
        r"quality engineer|metrolog|drafter|design engineer|industrial maintenance|maintenance mechanic",
    ),
    ("business analyst", r"business analyst|business process analyst|business systems analyst|systems analyst"),
    (
        "project manager",
        r"project manager|program manager|scrum master|\bpmo\b|project coordinator|corporate systems pm",
    ),
    ("operations", r"operations (?:manager|director|analyst)|plant manager|general manager|operations$"),
    ("sales", r"\bsales\b|account executive|business development|\bbdm\b|account manager|sales rep"),
    (
        "health & fitness",
        r"fitness|personal trainer|dietitian|nutrition|wellness (?:coach|coordinator)|exercise|"
        r"athletic trainer|yoga|\bgym\b|physical therap",
    ),
    ("arts", r"\bartist|art director|graphic design|illustrat|music|photograph|interior design|kitchen/bath designer"),
]
_MONSTER_COMPILED = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in MONSTER_RULES]
_SOFT = ("software", "web")
MONSTER_ACCEPTS: dict[str, tuple[str, ...]] = {
    "software developer": _SOFT,
    "data science": ("data", "software"),
    "data engineering": ("data", "software", "database"),
    "database": ("database", "data", "software"),
    "devops & systems": ("devops & systems", "network & security", "software"),
    "testing": ("testing", "software"),
    "web": ("web", "software"),
    "network & security": ("network & security", "devops & systems"),
    "hr": ("hr",),
    "legal": ("legal",),
    "sales": ("sales",),
    "business analyst": ("business analyst", "data"),
    "operations manager": ("operations", "project manager"),
    "project manager": ("project manager",),
    "mechanical engineer": ("mechanical",),
    "electrical engineer": ("electrical",),
    "civil engineer": ("civil",),
    "health & fitness": ("health & fitness",),
    "arts": ("arts",),
}


def monster_title(raw: str) -> str:
    """The job title of a Monster row: "<Company> Job Application for <title> | Monster.com var ..." and
    "<title> Job in <City>" both reduced to <title>."""
    title = raw
    if "Job Application for " in title:
        title = title.split("Job Application for ", 1)[1].split(" | Monster.com", 1)[0]
    return re.sub(r"\s+Job in .*$", "", title).strip()


def monster_label(title: str) -> str:
    return next((label for label, pattern in _MONSTER_COMPILED if pattern.search(title)), "other")


def _strip_html(text: str) -> str:
    return re.sub(r"\s+\n", "\n", re.sub(r"<[^>]+>", " ", text)).strip()


def monster_pool() -> Pool:
    rows = list(csv.DictReader(open(DATA / "monster_jobs_sample/jobs_sample.csv", encoding="utf-8")))
    seen: set[str] = set()
    postings: list[JobPosting] = []
    labels: dict[str, str] = {}
    for row in rows:
        title = monster_title(row["job_title"])
        description = _strip_html(row["job_description"])
        # Junk titles (the site's name, an employer's name) cannot be labelled; duplicate descriptions add nothing.
        if len(title) < 3 or title.lower() in {"monster", "infinity resources", "keylogic systems"}:
            continue
        if description in seen or len(description) < 200:
            continue
        seen.add(description)
        job_id = f"m{len(postings)}"
        postings.append(
            JobPosting(
                source="monster",
                job_id=job_id,
                url="",
                title=title,
                company=f"employer {len(postings)}",  # the column holds industries, not employers
                location=row["location"],
                description=description,
            )
        )
        labels[job_id] = monster_label(title)
    return Pool("Monster", postings, labels, MONSTER_ACCEPTS)


def google_pool() -> Pool:
    rows = list(csv.DictReader(open(DATA / "google_job_skills/job_skills.csv", encoding="utf-8"), delimiter=";"))
    seen: set[tuple[str, str]] = set()
    postings: list[JobPosting] = []
    labels: dict[str, str] = {}
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
        job_id = f"g{len(postings)}"
        postings.append(
            JobPosting(
                source="google",
                job_id=job_id,
                url="",
                title=row["Title"],
                company=row["Company"],
                location=row["Location"],
                description=description,
            )
        )
        labels[job_id] = row["Category"]
    return Pool("Google", postings, labels, GOOGLE_ACCEPTS)


# ---------------------------------------------------------------- resumes


def _unmojibake(text: str) -> str:
    # The resume CSV was decoded as cp1252 once too often ("â¢" for "•"); undo it line by line where it round-trips.
    out = []
    for line in text.split("\n"):
        try:
            out.append(line.encode("cp1252").decode("utf-8"))
        except (UnicodeEncodeError, UnicodeDecodeError):
            out.append(line)
    return "\n".join(out)


def drop_first_line(text: str) -> str:
    lines = text.strip().split("\n", 1)
    return lines[1].strip() if len(lines) > 1 and lines[1].strip() else text


def kaggle_resumes() -> list[Resume]:
    rows = csv.DictReader(open(DATA / "updated_resume_dataset/UpdatedResumeDataSet.csv", encoding="utf-8"))
    unique = {row["Resume"]: row["Category"] for row in rows}
    out = []
    for raw, label in unique.items():
        text = _unmojibake(raw).strip()
        out.append(Resume(text, drop_first_line(text), KAGGLE_OCCUPATION[label], "Kaggle"))
    return out


# "Title <span class="hl">Title</span> Title - Employer City, ST rest": a scraped headline, then the resume.
_FLOREX_HEAD = re.compile(r"^(.{0,300}?</span>[^<]{0,120}?)\s(?=\S)")
_PLACE = re.compile(r"\b[A-Z][A-Za-z .'-]{1,30}, [A-Z]{2}\b")


def florex_resumes(per_occupation: int = 25) -> list[Resume]:
    """IT resumes (florex corpus), up to `per_occupation` of each occupation (by first label, in file order).

    The text is one long line that opens with the job headline three times; it is split into a headline (the
    title, once) and the rest, so that "first line removed" means the same as for the other resumes."""
    folder = DATA / "florex_resume_corpus_sample/resumes_corpus"
    taken: Counter[str] = Counter()
    out = []
    for path in sorted(folder.glob("*.txt")):
        labels = [line.strip() for line in path.with_suffix(".lab").read_text().splitlines() if line.strip()]
        if not labels or labels[0] not in FLOREX_OCCUPATION:
            continue
        occupation = FLOREX_OCCUPATION[labels[0]]
        if taken[occupation] >= per_occupation:
            continue
        raw = path.read_text(encoding="cp1252", errors="replace")
        title = raw.split(" <span", 1)[0].strip()
        body = re.sub(r"<[^>]+>", "", raw)
        place = _PLACE.search(body, 0, 400)
        rest = body[place.end() :].strip() if place else body[len(title) :].strip()
        if len(rest.split()) < 80 or not title:
            continue
        taken[occupation] += 1
        out.append(Resume(f"{title}\n{rest}", rest, occupation, "florex"))
    return out


# ---------------------------------------------------------------- embeddings cached in SQLite


class SqliteCache:
    """An EmbeddingCache in one SQLite file (under /tmp by default), so reruns embed nothing."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("create table if not exists v (model text, key text, vector blob, primary key (model, key))")

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                f"select key, vector from v where model = ? and key in ({marks})", [model, *chunk]
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self._db.executemany(
            "insert or replace into v values (?, ?, ?)",
            [(model, key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in vectors.items()],
        )
        self._db.commit()


def _spot_check() -> None:
    pool = monster_pool()
    by_label: dict[str, list[str]] = {}
    for posting in pool.postings:
        by_label.setdefault(pool.labels[posting.job_id], []).append(posting.title)
    for label, titles in sorted(by_label.items(), key=lambda item: -len(item[1])):
        print(f"{label:<20} {len(titles):4}  " + " | ".join(titles[:: max(1, len(titles) // 8)][:8]))
    print(Counter(r.occupation for r in kaggle_resumes()), Counter(r.occupation for r in florex_resumes()))


if __name__ == "__main__":
    _spot_check()
