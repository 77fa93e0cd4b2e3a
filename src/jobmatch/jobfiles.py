"""Postings a user already has, read from a file: JSON list, JSON Lines, or CSV (JobSpy's CSV included)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from jobmatch.models import JobPosting

# Column names other tools use for the same field; the first present wins. JobSpy writes job_url and date_posted.
_ALIASES: dict[str, tuple[str, ...]] = {
    "job_id": ("id", "job_id", "jobid"),
    "url": ("url", "job_url", "link", "job_url_direct"),
    "title": ("title", "job_title", "position"),
    "company": ("company", "company_name", "employer"),
    "location": ("location", "job_location"),
    "description": ("description", "job_description", "text"),
    "posted_at": ("posted_at", "date_posted", "posted"),
    "source": ("source", "site"),
}


class JobFileError(ValueError):
    """A jobs file that cannot be read; the message names the file and what is wrong."""


def text_key(*parts: str) -> str:
    """A stable id for text that came with none: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def load_postings(path: Path) -> list[JobPosting]:
    """Read postings from `path` (.json, .jsonl or .csv); rows without a description are skipped."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise JobFileError(f"cannot read jobs file {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        csv.field_size_limit(2**31 - 1)
        rows: list[dict[str, Any]] = list(csv.DictReader(raw.splitlines(keepends=True)))
    elif suffix == ".jsonl":
        rows = []
        for number, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                rows.append(_json_object(line, f"{path}, line {number}"))
    elif suffix == ".json":
        data = _json_value(raw, str(path))
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            data = data["jobs"]
        if not isinstance(data, list):
            raise JobFileError(f"{path}: expected a JSON list of postings")
        rows = data
    else:
        raise JobFileError(f"{path}: unknown jobs file type {suffix or '(none)'!r}; use .json, .jsonl or .csv")
    postings = [posting for row in rows if (posting := posting_from_row(row)) is not None]
    if not postings:
        raise JobFileError(f"{path}: no postings with a description")
    return postings


def posting_from_row(row: dict[str, Any]) -> JobPosting | None:
    """One posting from a loosely named record; None when it has no description."""
    if not isinstance(row, dict):
        return None
    fields = {name: _first(row, aliases) for name, aliases in _ALIASES.items()}
    description = fields["description"]
    if not description:
        return None
    title, company = fields["title"], fields["company"]
    return JobPosting(
        source=fields["source"] or "file",
        job_id=fields["job_id"] or text_key(title, company, description),
        url=fields["url"],
        title=title,
        company=company,
        location=fields["location"],
        description=description,
        posted_at=_date(fields["posted_at"]),
    )


def _first(row: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = row.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        text = str(value).strip()
        if text and text.lower() != "nan":
            return text
    return ""


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _json_value(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JobFileError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _json_object(text: str, where: str) -> dict[str, Any]:
    value = _json_value(text, where)
    if not isinstance(value, dict):
        raise JobFileError(f"{where}: expected a JSON object")
    return value
