"""A search's report as HTML, JSON, CSV or a terminal table: one renderer for the CLI and the API."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jobmatch.models import Match, SearchReport

if TYPE_CHECKING:
    from jinja2 import Environment

# Spreadsheet programs run cells that start with these as formulas; scraped text must never become one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "rank",
    "title",
    "company",
    "location",
    "posted_at",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_interval",
    "workplace_type",
    "employment_type",
    "department",
    "score",
    "raw_score",
    "fired_weights",
    "matched_keywords",
    "missing_keywords",
    "url",
    "apply_url",
    "source",
    "job_id",
    "closed",
    "duplicates",
    "also_at",
)


class ReportFormat(StrEnum):
    HTML = "html"
    JSON = "json"
    CSV = "csv"


def render(report: SearchReport, fmt: ReportFormat, *, matches_only: bool = False) -> str:
    """The report in `fmt`; `matches_only` keeps JSON to `{"matches": [...]}` (a ranking of a file has no search)."""
    if fmt is ReportFormat.JSON:
        payload = {"matches": _jsonable(report.matches)} if matches_only else report.model_dump(mode="json")
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if fmt is ReportFormat.CSV:
        return render_csv(report.matches)
    return render_html(report)


def render_html(report: SearchReport) -> str:
    """A standalone HTML page; every scraped string is escaped by the template engine."""
    return _templates().get_template("report.html").render(report=report)


def render_csv(matches: list[Match]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for match in matches:
        row = match.model_dump(mode="json")
        row["fired_weights"] = "; ".join(f"{term}={weight:g}" for term, weight in match.fired_weights.items())
        for name in ("matched_keywords", "missing_keywords", "duplicates", "also_at"):
            row[name] = "; ".join(row[name])
        writer.writerow([_cell(row.get(name)) for name in CSV_COLUMNS])
    return out.getvalue()


def safe_url(url: str) -> str:
    """`url` when it is a plain http(s) link, else "" (no javascript: links from a jobs file)."""
    return url if urlsplit(url).scheme in {"http", "https"} else ""


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _jsonable(matches: list[Match]) -> list[dict[str, object]]:
    return [{"id": match.job_id, **match.model_dump(mode="json")} for match in matches]


_environment: Environment | None = None


def _templates() -> Environment:
    global _environment
    if _environment is None:
        # Imported here: only HTML needs templates, and Jinja costs a JSON or CSV report a good part of its start-up.
        from jinja2 import Environment, PackageLoader, select_autoescape

        _environment = Environment(
            loader=PackageLoader("jobmatch", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        _environment.filters["safe_url"] = safe_url
    return _environment
