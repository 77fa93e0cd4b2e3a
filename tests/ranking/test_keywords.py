"""Keyword evidence on small hand-made postings: real skills and credentials in, job-ad filler out."""

from __future__ import annotations

from jobmatch.ranking._keywords import evidence, idf, keyword_terms, resume_index, stem_phrase

DS = """Junior Data Scientist
About Harper Insights
We are a profitable company where people do the best work of their careers with trusted colleagues.

How we work: you will join a team of twelve people who review results openly. New colleagues get a buddy for the
first ninety days.

Responsibilities
- Design A/B tests and explain the results to non-technical stakeholders.
- Write production-quality Python and SQL, and review the code of other data scientists.
- Build, validate and ship statistical and machine learning models for forecasting.
- Attend trade shows and break large problems into small pieces.

Qualifications
- Advanced SQL and a cloud data warehouse such as BigQuery or Snowflake.
- 3+ years of experience applying machine learning to business problems.
- Clear written communication. Experience with C++, Node.js or GD&T is a plus.
- Solid grounding in causal inference. AWS Certified Solutions Architect preferred.

Benefits
Health, dental and vision plans, paid volunteer days, commuter benefits.
Harper Insights is an equal opportunity employer."""

NURSE = """Registered Nurse
Responsibilities
- Provide patient care on the ward and administer medication.
Qualifications
- BLS certification and an unrestricted RN license. Experience with Epic EHR.
We are an equal opportunity employer. People results first end floor colleagues."""

COOK = """Line Cook
- Prepare dishes on the grill station and follow food safety rules. Our people get great results from the first day.
We are an equal opportunity employer."""

RESUME = """Data scientist. Skills: Python, SQL, PyTorch, machine learning, statistics, forecasting models, AWS.
Built recommendation systems; led a team of people; strong results."""

JUNK = {
    "colleagues",
    "people",
    "results",
    "first",
    "code",
    "end",
    "floor",
    "applying machine",
    "writes python",
    "break large",
    "clear written",
    "attend trade",
    "ninety days",
    "equal opportunity employer",
    "opportunity",
    "employer",
    "dental",
    "benefits",
    "health",
    "experience",
    "team",
    "twelve",
    "buddy",
    "harper",
    "insights",
    "advanced sql",
    "clear",
    "written",
    "large",
    "small",
    "strong",
    "plus",
    "preferred",
    "paid volunteer days",
}


def _evidence(limit: int = 12) -> tuple[list[str], list[str]]:
    analysed = [keyword_terms(text, frozenset({"harper", "insights"})) for text in (DS, NURSE, COOK)]
    weights = idf([terms for terms, _ in analysed])
    terms, boost = analysed[0]
    return evidence(terms, resume_index(RESUME), weights, limit, boost)


def test_no_junk_in_either_list() -> None:
    shared, missing = _evidence(limit=50)
    listed = set(shared + missing)
    assert not JUNK & listed, JUNK & listed
    for term in listed:  # no phrase opened by a duty verb
        assert term.split()[0] not in {"write", "build", "attend", "break", "ship", "applying", "design", "review"}


def test_real_skills_in_both_lists() -> None:
    shared, missing = _evidence()
    assert {"python", "sql", "forecasting"} <= set(shared)
    assert any("machine learning" in term for term in shared)
    assert "learning" not in shared and "machine" not in shared  # the phrase replaces its words
    assert {"causal inference", "bigquery", "c++", "nodejs", "gd&t", "aws certified solutions architect"} <= set(
        missing
    )
    assert "cloud data warehouse" in missing or "data warehouse" in missing


def test_skill_shaped_terms_rank_first() -> None:
    _, missing = _evidence(limit=6)
    # acronyms, mixed-case tools and symbols beat plain lowercase words of the same rarity
    assert {"bigquery", "snowflake", "c++"} & set(missing)


def test_phrases_stay_inside_a_clause_and_a_bullet() -> None:
    terms, _ = keyword_terms("Skills: Python, SQL\n- Spark\nKafka. Airflow")
    assert {"python", "sql", "spark", "kafka", "airflow"} <= set(terms)
    assert not [term for term in terms if " " in term]


def test_boilerplate_and_places_left_out() -> None:
    terms, _ = keyword_terms(NURSE + "\nBenefits\nHealth insurance and 401(k).", frozenset({"berlin"}))
    assert "bls certification" in terms and "rn license" in terms and "ehr" in terms
    assert not {"equal", "opportunity", "employer", "health insurance", "people", "results"} & set(terms)


def test_plurals_match_the_resume() -> None:
    assert stem_phrase("forecasting models") == stem_phrase("forecasting model")
    shared, missing = evidence(*_single("Machine learning models and recommendation systems in Python."))
    assert {"machine learning", "python"} <= set(shared) and not missing


def test_a_skill_in_another_form_is_matched_not_missing() -> None:
    posting = (
        "Qualifications: data science, statistical modelling, Microsoft Excel, project management, MS PowerPoint, "
        "Structured Query Language (SQL), Kubernetes."
    )
    resume = resume_index(
        "Data Scientist with statistical modeling in Excel and PowerPoint; SQL; as project manager I ran Kubernetes."
    )
    terms, boost = keyword_terms(posting)
    shared, missing = evidence(terms, resume, idf([terms]), 20, boost)
    assert not missing, missing
    assert {"data science", "statistical modelling", "microsoft excel", "kubernetes"} <= set(shared)


def test_dates_companies_and_recruiting_phrases_are_not_evidence() -> None:
    posting = (
        "Data Scientist at Publicis Groupe\nStart date: August 2026, interviews in February.\n"
        "Requirements: Python, SQL. Report to the CEO. Creative thinker for the current recruitment season.\n"
        "We offer monetary assistance for relocation."
    )
    terms, _ = keyword_terms(posting, frozenset({"publicis", "groupe"}))
    assert {"python", "sql"} <= set(terms)
    assert not {"august", "february", "ceo", "publicis", "groupe"} & {w for term in terms for w in term.split()}
    # "recruitment" alone is a knowledge area (ESCO); the phrases around it are not
    assert not [term for term in terms if " " in term and ("recruitment" in term or "creative" in term)]
    assert not [term for term in terms if "monetary" in term or "season" in term]


def _single(text: str):
    terms, boost = keyword_terms(text)
    return terms, resume_index(RESUME), idf([terms]), 5, boost
