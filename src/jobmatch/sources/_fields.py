"""Reading what company boards' JSON says into jobmatch's fields: dates, workplace, pay, employment type."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import httpx

from jobmatch.models import WorkplaceType
from jobmatch.sources._http import FetchError

# A board token goes into a URL path: letters, digits, '_', '.', '-', and at least one letter or digit (so never
# "." or "..").
BOARD_TOKEN = re.compile(r"(?=[^A-Za-z0-9]*[A-Za-z0-9])[A-Za-z0-9_.-]+")

_WORKPLACE = {
    "remote": WorkplaceType.REMOTE,
    "hybrid": WorkplaceType.HYBRID,
    "onsite": WorkplaceType.ONSITE,
    "inoffice": WorkplaceType.ONSITE,
    "office": WorkplaceType.ONSITE,
}
_INTERVAL_WORDS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year", "annual": "year"}
_EMPLOYMENT = {
    "fulltime": "Full-time",
    "parttime": "Part-time",
    "intern": "Internship",
    "internship": "Internship",
    "contract": "Contract",
    "contractor": "Contract",
    "temporary": "Temporary",
    "temp": "Temporary",
}


class ParseError(FetchError):
    """A page that arrived but does not hold what it should (a posting with no description, say)."""


def json_body(response: httpx.Response) -> Any:
    """The response's JSON; a body that is not JSON is a ParseError naming the URL."""
    try:
        return json.loads(response.content)
    except ValueError:
        where = response.request.url.copy_with(query=None)
        raise ParseError(f"{where} did not answer JSON") from None


def iso_date(value: object) -> date | None:
    """The calendar date (UTC) of an ISO 8601 timestamp or date; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def epoch_ms_date(value: object) -> date | None:
    """The calendar date (UTC) of epoch milliseconds; None when absent or out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def workplace(value: object) -> WorkplaceType | None:
    """A board's workplace word ("remote", "Hybrid", "OnSite", "on-site", "In office") as a WorkplaceType."""
    if not isinstance(value, str):
        return None
    return _WORKPLACE.get(re.sub(r"[^a-z]", "", value.lower()))


def salary_interval(value: object) -> str | None:
    """What a pay figure is per, as "hour", "day", "week", "month" or "year": from Lever's "per-year-salary",
    Ashby's "1 YEAR", or plain words ("hourly", "annual")."""
    if not isinstance(value, str):
        return None
    words = re.findall(r"[a-z]+", value.lower())
    for word in words:
        for stem, interval in _INTERVAL_WORDS.items():
            if word.startswith(stem):
                return interval
    return None


def employment_type(value: object) -> str | None:
    """A board's employment type in LinkedIn's words ("FullTime" -> "Full-time"); unknown words kept as given."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _EMPLOYMENT.get(re.sub(r"[^a-z]", "", value.lower()), value.strip())


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def mapping(value: object) -> dict[str, Any]:
    """A JSON object; {} for anything else (null included)."""
    return value if isinstance(value, dict) else {}


def text(value: object) -> str:
    """A JSON string with its whitespace collapsed; "" for anything else."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def join_places(*places: str) -> str:
    """Several locations as one "A; B" string, each once, in order (Greenhouse writes multi-location jobs so)."""
    seen: list[str] = []
    for place in places:
        if place and place.lower() not in (p.lower() for p in seen):
            seen.append(place)
    return "; ".join(seen)
