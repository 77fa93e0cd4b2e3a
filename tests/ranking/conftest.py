"""Shared fixtures: a handful of hand-written postings and a resume."""

from __future__ import annotations

import pytest

from jobmatch.models import JobPosting

RESUME = """Jane Doe
jane@example.com | +1 555 0100
Senior Data Scientist
Summary: data scientist with 8 years building machine learning models in Python, PyTorch and scikit-learn.
Skills: Python, SQL, PyTorch, scikit-learn, Spark, A/B testing, statistics, Ph.D. in Statistics.
Experience: built recommendation systems and forecasting pipelines on AWS.
"""


def posting(job_id: str, title: str, company: str, description: str, **extra: object) -> JobPosting:
    return JobPosting(
        source="test",
        job_id=job_id,
        url=f"https://example.com/jobs/{job_id}",
        title=title,
        company=company,
        location="Berlin",
        description=description,
        **extra,
    )


@pytest.fixture
def resume() -> str:
    return RESUME


@pytest.fixture
def postings() -> list[JobPosting]:
    return [
        posting(
            "ds",
            "Data Scientist",
            "Acme Analytics",
            "Build machine-learning models in Python and PyTorch. Run A/B testing and statistics. PhD preferred.\n"
            "We are an equal opportunity employer.",
        ),
        posting(
            "nurse",
            "Registered Nurse",
            "City Hospital",
            "Provide patient care on the ward, administer medication, keep charts. BLS certification required.",
        ),
        posting(
            "chef",
            "Line Cook",
            "Bistro Blue",
            "Prepare dishes on the grill station, keep the kitchen clean, follow food safety rules.",
        ),
        posting(
            "mle",
            "Machine Learning Engineer",
            "Globex",
            "Deploy machine learning models with Python, Spark and Kubernetes on AWS. SQL a plus.",
        ),
    ]
