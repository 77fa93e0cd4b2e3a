"""Build the compact vocabulary that ships in src/jobmatch/ranking/data/ from ESCO v1.1.1 and O*NET 29.2.

Run: .venv/bin/python bench/build_vocabulary.py   (reads <repo>/../shared/data/skills, see its SOURCES.md)

skills.json.gz: {"names", "kinds", "keys": {variant in canonical form: [skill ids]}}. ESCO
skills and knowledge whose labels are noun phrases of up to four words (transversal ones left out, languages
excepted: "communication" is in every posting and tells a job seeker nothing); O*NET technology names (tools), with
the vendor or a trailing "software" dropped where what is left is a product name ("Microsoft Excel" -> "Excel") and
a trailing acronym kept as a variant ("Structured query language SQL" -> "SQL"); and a short list of fields
(`FIELDS`). Variants of one concept stay one skill only where they have the same words or one abbreviates the other
("CPR" = "cardiopulmonary resuscitation"), so an ESCO concept's loose synonyms ("welding" under "join metals") and
its broader words ("engineering" under "packaging engineering") are separate skills.
occupations.json.gz: {title in canonical form: ESCO code ("1221.3": ISCO-08 unit group 1221, occupation 3)}, every
ESCO occupation's titles, preferred first.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

from jobmatch.ranking._stopwords import ENGLISH, EVIDENCE_GENERIC, JOB_GENERIC, VERBS
from jobmatch.ranking._vocabulary import canon

SKILLS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "skills"
OUT = Path(__file__).resolve().parents[1] / "src" / "jobmatch" / "ranking" / "data"
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 +#./&'-]*$")
_GENERIC = ENGLISH | EVIDENCE_GENERIC | JOB_GENERIC
_SKILL_SUFFIX = ("ing", "ogy", "omy", "ics", "ism", "ography")


def _esco(name: str) -> list[dict[str, str]]:
    archive = zipfile.ZipFile(SKILLS / "esco-1.1.1" / "ESCO dataset - v1.1.1 - classification - en - csv.zip")
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))


def _labels(row: dict[str, str]) -> list[str]:
    raw = [row["preferredLabel"], *row["altLabels"].split("\n")]
    out = []
    for label in raw:
        label = " ".join(re.sub(r"\s*\([^)]*\)", "", label).split())
        if label and label not in out:
            out.append(label)
    return out


def _common_words(rows: list[dict[str, str]]) -> set[str]:
    """Words ESCO's descriptions use in lower case: everyday English ("access", "word", "project")."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(re.findall(r"(?<![.\w])[a-z][a-z-]+\b", row["description"]))
    return {word for word, count in counts.items() if count >= 3}


def _linked(labels: list[str]) -> list[list[str]]:
    """Groups of labels with the same content words in any order, or where one is the other's acronym. (Labels that
    merely share a word stay apart: "engineering" is not "packaging engineering".)"""
    keys = [set(canon(label).split()) - _GENERIC for label in labels]
    initials = ["".join(word[0] for word in canon(label).split()) for label in labels]
    parent = list(range(len(labels)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(labels)):
        for j in range(i):
            acronym = canon(labels[i]) == initials[j] or canon(labels[j]) == initials[i]
            if (keys[i] and keys[i] == keys[j]) or (acronym and len(initials[j if acronym else i]) >= 2):
                parent[root(i)] = root(j)
    groups: dict[int, list[str]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(root(i), []).append(label)
    return list(groups.values())


def esco_skills(common: set[str]) -> list[tuple[str, list[str]]]:
    rows = _esco("skills_en.csv")
    verbs = {word for word, n in Counter(r["preferredLabel"].split()[0] for r in rows).items() if n >= 2} | VERBS
    verbs = {v for v in verbs if v.islower()}
    out = []
    for row in rows:
        kind = {"knowledge": "knowledge", "skill/competence": "skill"}.get(row["skillType"])
        transversal = row["reuseLevel"] == "transversal"
        if kind is None or (transversal and not row["preferredLabel"][:1].isupper()):
            continue  # transversal: only languages ("English"), not "communication" or "think creatively"
        kept = []
        for label in _labels(row):
            words = label.split()
            if not _LABEL.match(label) or not 1 <= len(words) <= 4:
                continue
            if kind == "skill" and words[0].lower() in verbs:
                continue  # "operate forklift": a duty, not a term a posting lists
            if words[0].lower() in ENGLISH or words[-1].lower() in ENGLISH:
                continue  # "and procedures", "a programming language"
            if len(words) == 1:
                word = words[0]
                preferred = label == _labels(row)[0]
                if word.lower() in _GENERIC or len(word) < 2 or not (preferred or word.isupper()):
                    continue  # single-word synonyms ("libraries", "discovery") are too loose
                if word.lower() in common and not word.isupper():
                    continue  # "access", "metal": everyday words, not evidence
                if kind == "skill" and not (word.lower().endswith(_SKILL_SUFFIX) or word.isupper()):
                    continue
            if all(w.lower() in _GENERIC for w in words):
                continue
            kept.append(label)
        out.extend((kind, group) for group in _linked(kept))
    return out


def onet_tools(common: set[str]) -> list[tuple[str, list[str]]]:
    path = SKILLS / "onet-29.2" / "Technology Skills.txt"
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline=""), delimiter="\t"))
    names = sorted({row["Example"].strip() for row in rows})
    occupations = Counter(row["Example"].strip() for row in rows)
    hot = {row["Example"].strip() for row in rows if row["Hot Technology"] == "Y"}
    firsts = Counter(name.split()[0] for name in names if len(name.split()) >= 2)
    # a vendor: the first word of many product names that is not an everyday word ("Microsoft", not "Data")
    vendors = {w for w, n in firsts.items() if n >= 5 and w[0].isupper() and w.lower() not in common | _GENERIC}
    out = []
    for name in names:
        if not _LABEL.match(name) or len(name.split()) > 6:
            continue
        variants = [name]
        words = name.split()
        if len(words) >= 2 and words[-1].lower() == "software":
            words = words[:-1]
            variants.append(" ".join(words))
        if len(words) >= 2 and words[0] in vendors:
            rest = words[1:]
            if len(rest) > 1 or (rest[0].lower() not in common and rest[0].lower() not in _GENERIC):
                variants.append(" ".join(rest))
        acronym = words[-1]
        if len(words) >= 3 and acronym.isupper() and acronym == "".join(w[0] for w in words[:-1]).upper():
            # "Structured query language SQL": the acronym alone only where it is common enough not to mislead
            # ("POD" is also a team, "SSP" also a supply-side platform)
            if name in hot or occupations[name] >= 3:
                variants.append(acronym)
            if words[0].lower() not in ENGLISH:
                variants.append(" ".join(words[:-1]))
        if words[0] == "Microsoft" and len(words) >= 2:
            variants.append(" ".join(["MS", *words[1:]]))
        variants = [v for v in dict.fromkeys(variants) if len(v.split()) <= 4 and v.split()[0].lower() not in ENGLISH]
        single = [v for v in variants if len(v.split()) == 1]
        for v in single:
            if v.lower() in common or v.lower() in _GENERIC or len(v) < 2:
                variants.remove(v)
        if variants:
            out.append(("tool", variants))
    return out


# Fields and knowledge areas postings name that ESCO lists only inside longer labels ("marketing management").
# "=" joins variants of one field ("machine learning=ml").
FIELDS = """artificial intelligence=ai|machine learning=ml|large language model=llm|generative ai=genai|
retrieval augmented generation=rag|natural language processing=nlp|ci/cd=cicd|continuous integration=ci|
application programming interface=api|graphics processing unit=gpu|mlops|phd|google cloud platform=gcp|
data science|data analysis|data engineering|software development|software engineering|web development|
mobile development|deep learning|computer science|computer vision|
natural language processing|cloud computing|devops|cybersecurity|information security|network security|
networking|database administration|system administration|quality assurance|test automation|automation testing|
manual testing|user experience|user interface|ux design|ui design|web design|graphic design|product management|
project management|program management|marketing|digital marketing|sales|business development|account management|
customer success|human resources|recruiting|talent acquisition|payroll|accounting|finance|financial analysis|
financial modeling|auditing|taxation|banking|investment banking|risk management|compliance|law|litigation|
contract law|corporate law|nursing|patient care|pharmacy|physical therapy|nutrition|fitness|personal training|
teaching|education|mechanical engineering|electrical engineering|civil engineering|structural engineering|
chemical engineering|industrial engineering|manufacturing|supply chain|logistics|procurement|operations management|
business analysis|business intelligence|statistics|mathematics|economics|physics|chemistry|biology|
public relations|communications|journalism|copywriting|content writing|photography|illustration|animation|
interior design|fashion design|architecture|construction|estimating|surveying|autocad|solidworks|blockchain|
big data|etl|data warehousing|data visualization|data modeling|statistical modeling|predictive modeling|
embedded systems|firmware|hardware design|circuit design|pcb design|plc|scada|sap|erp|crm|seo|sem|forecasting|
causal inference|a/b testing|experimentation|time series|regression analysis|optimization|simulation|
distributed systems|microservices|api design|rest api|front end development|back end development|full stack|
penetration testing|incident response|vulnerability management|identity management|active directory|
change management|stakeholder management|vendor management|budgeting|financial reporting|bookkeeping|
accounts payable|accounts receivable|underwriting|claims|customer service|patient care|phlebotomy|forklift|
welding|food safety|inventory management|merchandising|event planning|copy editing|technical writing|
employee relations|benefits administration|labor law|employment law|intellectual property|legal research|
e-discovery|paralegal|case management|social work|counseling|mental health|dietetics|sports science|
strength and conditioning|exercise physiology|yoga|pilates|drawing|painting|sculpture|fine arts|music""".replace(
    "\n", ""
)


def occupations() -> list[tuple[str, str]]:
    out = []
    for row in _esco("occupations_en.csv"):
        for title in _labels(row):
            out.append((row["code"], title))  # the ESCO code: its ISCO-08 unit group, then the occupation
    return out


def _write(path: Path, data: object) -> None:
    # mtime 0: the same sources build the same bytes
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def main() -> None:
    skill_rows = _esco("skills_en.csv")
    common = _common_words(skill_rows)
    fields = [("field", name.split("=")) for name in FIELDS.split("|")]
    skills = fields + onet_tools(common) + esco_skills(common)
    names: list[str] = []
    kinds: list[str] = []
    keys: dict[str, list[int]] = {}
    for kind, group in skills:
        variants = list(dict.fromkeys(key for key in (canon(label) for label in group) if key))
        if not variants or all(key in keys for key in variants):
            continue  # every variant known already (O*NET and fields come first)
        for key in variants:
            keys.setdefault(key, []).append(len(names))
        names.append(group[0])
        kinds.append(kind)
    OUT.mkdir(parents=True, exist_ok=True)
    _write(OUT / "skills.json.gz", {"names": names, "kinds": kinds, "keys": keys})
    titles: dict[str, str] = {}
    for code, title in occupations():
        titles.setdefault(canon(title), code)
    _write(OUT / "occupations.json.gz", titles)
    print(f"skills: {len(names)} ({Counter(kinds)}); occupation titles: {len(titles)}")
    for name in ("skills.json.gz", "occupations.json.gz"):
        print(f"  {name}: {(OUT / name).stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
