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
