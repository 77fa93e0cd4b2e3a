"""Reports never let scraped text become markup or a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json

from jobmatch.models import Failure, Match, SearchReport
from jobmatch.report import ReportFormat, render


def _match(**overrides: object) -> Match:
    values: dict[str, object] = dict(
        rank=1,
        source="linkedin",
        job_id="42",
        url="https://www.linkedin.com/jobs/view/42",
        title="Data Scientist",
        company="Acme",
        location="Chicago, IL",
        score=0.7,
        raw_score=0.6,
        fired_weights={"phd": 1.1},
        matched_keywords=["python"],
        missing_keywords=["spark"],
    )
    values.update(overrides)
    return Match(**values)


def test_html_escapes_scraped_text_and_drops_script_links() -> None:
    evil = _match(
        title="<script>alert(1)</script>",
        company='<img src=x onerror="alert(2)">',
        url="javascript:alert(3)",
        matched_keywords=["<b>sql</b>"],
    )
    page = render(
        SearchReport(matches=[evil], failures=[Failure(source="linkedin", job_id="7", reason="<i>x</i>")]),
        ReportFormat.HTML,
    )
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img" in page
    assert "javascript:" not in page
    assert "<b>sql" not in page and "<i>x" not in page


def test_html_shows_what_a_match_is_made_of() -> None:
    page = render(SearchReport(matches=[_match()]), ReportFormat.HTML)
    for text in (
        "Data Scientist",
        "Acme",
        "Chicago, IL",
        "0.700",
        "0.600",
        "phd",
        "python",
        "spark",
        'href="https://www.linkedin.com/jobs/view/42"',
    ):
        assert text in page


def test_csv_neutralises_formulas() -> None:
    text = render(SearchReport(matches=[_match(title='=HYPERLINK("http://evil")', company="+cmd")]), ReportFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["title"].startswith("'=") and rows[0]["company"] == "'+cmd"
    assert rows[0]["fired_weights"] == "phd=1.1" and rows[0]["matched_keywords"] == "python"


def test_json_matches_only_has_ids() -> None:
    data = json.loads(render(SearchReport(matches=[_match()]), ReportFormat.JSON, matches_only=True))
    assert list(data) == ["matches"]
    assert data["matches"][0]["id"] == "42" and data["matches"][0]["raw_score"] == 0.6


def test_reports_show_pay_workplace_and_the_other_boards_links() -> None:
    rich = _match(
        salary_min=120000,
        salary_max=150000,
        salary_currency="USD",
        salary_interval="year",
        workplace_type="hybrid",
        employment_type="Full-time",
        department="Data <Science>",
        apply_url="https://jobs.lever.co/acme/42/apply",
        also_at=["https://boards.greenhouse.io/acme/jobs/7", "javascript:alert(1)"],
    )
    report = SearchReport(matches=[rich, _match(rank=2, job_id="43")])
    page = render(report, ReportFormat.HTML)
    assert "USD 120,000–150,000 per year · hybrid · Full-time · Data &lt;Science&gt;" in page
    assert 'href="https://jobs.lever.co/acme/42/apply"' in page
    assert 'href="https://boards.greenhouse.io/acme/jobs/7"' in page and "javascript:" not in page
    assert page.count('class="details"') == 1  # a posting without these facts shows no empty line
    rows = list(csv.DictReader(io.StringIO(render(report, ReportFormat.CSV))))
    assert (rows[0]["salary_min"], rows[0]["salary_currency"], rows[0]["workplace_type"]) == (
        "120000.0",
        "USD",
        "hybrid",
    )
    assert rows[0]["apply_url"] == "https://jobs.lever.co/acme/42/apply" and rows[1]["salary_min"] == ""
    assert json.loads(render(report, ReportFormat.JSON))["matches"][0]["salary_interval"] == "year"
