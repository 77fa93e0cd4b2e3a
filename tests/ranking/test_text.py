"""Text preparation, keyword evidence and repost folding, without the model."""

from __future__ import annotations

from datetime import date

import numpy as np

from jobmatch.models import JobPosting
from jobmatch.ranking._dedup import fold_duplicates, shingles
from jobmatch.ranking._keywords import evidence, idf, keyword_terms, resume_index
from jobmatch.ranking._text import clean_posting, resume_body, target_title
from jobmatch.ranking._words import words

POSTING = """About Us:
Acme is a family of brands loved by millions, founded in 1999.
Responsibilities:
Build data pipelines in Python and Spark.
Own our Airflow deployment.
Benefits:
Dental, vision and 401(k) matching.
Generous paid time off.
Requirements:
5 years with SQL and Kubernetes.
Acme is an equal opportunity employer; all qualified applicants receive consideration without regard to race."""


def test_boilerplate_sections_and_lines_dropped() -> None:
    cleaned = clean_posting(POSTING)
    assert "Build data pipelines" in cleaned and "SQL and Kubernetes" in cleaned
    assert "Responsibilities:" in cleaned and "Requirements:" in cleaned
    for gone in ("family of brands", "Dental", "paid time off", "equal opportunity"):
        assert gone not in cleaned


def test_cleaning_never_empties_a_posting() -> None:
    only_boilerplate = "We are an equal opportunity employer."
    assert clean_posting(only_boilerplate) == only_boilerplate


def test_resume_contact_details_removed() -> None:
    body = resume_body("Jane Doe\njane@example.com | +1 (555) 010-0100 | https://linkedin.com/in/jane\nData Scientist")
    assert body == "Jane Doe\nData Scientist"


def test_target_title_after_a_name() -> None:
    assert target_title("Jane Doe\njane@example.com\nSenior Data Scientist\nSkills: Python") == "Senior Data Scientist"


def test_target_title_from_label_and_repetition() -> None:
    assert target_title("Name: X\nDesignation: Java Developer\nSkills: Java") == "Java Developer"
    text = "Skills: Java, Spring\nCompany A - worked as Java Developer\nCompany B - Java Developer on payments"
    assert target_title(text) == "Java Developer"


def test_target_title_in_text_without_lines_stops_at_the_sentence_before_it() -> None:
    # Resumes pasted into one line (most of a Kaggle dataset): the title follows a sentence's last words.
    flat = "Skills Networking. Resolved network issues Aircraft Mechanic at Delta, 2015. Resolved network issues."
    assert target_title(flat) == "Aircraft Mechanic"
    assert target_title("Oracle database Administrator with 8 years") == "Oracle database Administrator"
    assert target_title("Summary: SQL server database administrator") == "SQL server database administrator"


def test_target_title_absent() -> None:
    assert target_title("Skills: Python, SQL\nEducation: BSc 2015") == ""
    assert target_title("") == ""


def test_keyword_evidence_on_a_small_pair() -> None:
    postings = [
        "Data engineer: build pipelines with Apache Spark, Airflow and Docker on AWS. Experience with Kafka required.",
        "Nurse: patient care, BLS certification, charting. Experience required.",
        "Chef: grill station, food safety, kitchen hygiene. Experience required.",
    ]
    # What the ranker does: skill-like terms of each posting, every run of words of the resume.
    analysed = [keyword_terms(text) for text in postings]
    terms = [counts for counts, _ in analysed]
    resume = resume_index("I build data pipelines with Apache Spark and Airflow; I know AWS.")
    shared, missing = evidence(terms[0], resume, idf(terms), 5, analysed[0][1])
    assert "apache spark" in shared and "airflow" in shared
    assert {"docker", "kafka"} <= set(missing)
    assert "experience" not in shared + missing and "required" not in shared + missing


def _posting(job_id: str, company: str, text: str, posted: date) -> JobPosting:
    return JobPosting(
        source="t", job_id=job_id, url="", title="Engineer", company=company, description=text, posted_at=posted
    )


def test_reposts_fold_into_the_newest() -> None:
    text = "Build and run data pipelines in Python and Spark for the analytics platform of a large retailer. " * 3
    postings = [
        _posting("old", "Acme", text, date(2024, 1, 1)),
        _posting("new", "ACME ", text + " Apply by March.", date(2024, 2, 1)),
        _posting("other", "Globex", text, date(2024, 1, 15)),  # same text, another company: not a repost
        _posting("diff", "Acme", "Nurse on the night ward, patient care and charting, BLS required.", date(2024, 3, 1)),
    ]
    vectors = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    kept, folded = fold_duplicates(postings, vectors, [shingles(words(p.description)) for p in postings], 0.8)
    assert kept == [1, 2, 3]
    assert folded == {1: [0]}


ABOUT_SECTIONS = """About Acme
Acme makes rockets for everyone, and has done so since 1999 from its three sites; we love what we do and our people.

About the role
You will build data pipelines in Python and SQL on Airflow.

About you
Five years of Kubernetes and Terraform.

Benefits
Dental and vision, a gym and free lunch on Fridays for everyone in the office and at home."""


def test_about_the_role_and_about_you_are_the_work_not_the_company() -> None:
    """Many postings head their duties "About the role" and their requirements "About you": both are read, for the
    model and for the evidence, while "About Acme" and the benefits are still left out."""
    cleaned = clean_posting(ABOUT_SECTIONS)
    assert "Airflow" in cleaned and "Terraform" in cleaned
    assert "rockets" not in cleaned and "Dental" not in cleaned
    terms = keyword_terms(f"Data Engineer\n{ABOUT_SECTIONS}", frozenset())[0]
    assert {"airflow", "python", "sql", "kubernetes", "terraform"} <= set(terms)
    assert not {"rockets", "dental", "gym"} & set(terms)
