"""The fake board's company boards: Greenhouse's, Lever's and Ashby's public JSON APIs, in their real shapes.

Which boards exist: any name a source accepts (letters, digits, '_', '.', '-') exists on all three APIs, except
names starting with "missing", which answer each API's own 404 (Greenhouse JSON, Lever `{"ok": false, ...}`,
Ashby plain text). So a benchmark can name thirty boards without configuring any, and a test names a missing one.

Each board holds `jobs` postings generated from the seed and the board's name: titles across occupations (data
roles, engineering, nursing, sales, office...), one to two locations, remote/hybrid/on-site, pay ranges on most,
a posting date within the last weeks. Greenhouse's `content` is entity-escaped HTML (a literal `&` arrives as
`&amp;amp;`), Lever pages with skip/limit and dates in epoch milliseconds, and some Ashby jobs are unlisted.
`expected(ats, name)` is what a correct reader makes of a board: the postings, with plain-text descriptions.
"""

from __future__ import annotations

import functools
import html
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from jobmatch.models import JobPosting, WorkplaceType
from jobmatch.sources._fields import BOARD_TOKEN
from jobmatch.testing._board_content import (
    _PAY,
    EMPLOYMENT_TYPES,
    LOCATIONS,
    OCCUPATIONS,
    OFFICE,
    Occupation,
    describe,
)
from jobmatch.testing._board_markup import description_html

ATS_KINDS: tuple[str, ...] = ("greenhouse", "lever", "ashby")
MISSING_PREFIX = "missing"
ROUTES = frozenset({"greenhouse_jobs", "greenhouse_job", "lever_postings", "lever_posting", "ashby_board"})

_PATHS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("greenhouse_jobs", re.compile(r"^/v1/boards/([^/]+)/jobs/?$")),
    ("greenhouse_job", re.compile(r"^/v1/boards/([^/]+)/jobs/([^/]+)/?$")),
    ("lever_postings", re.compile(r"^/v0/postings/([^/]+)/?$")),
    ("lever_posting", re.compile(r"^/v0/postings/([^/]+)/([^/]+)/?$")),
    ("ashby_board", re.compile(r"^/posting-api/job-board/([^/]+)/?$")),
)
_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_BULLET = re.compile(r"^- ")

_DEPARTMENTS = {
    "data_science": "Data & Analytics",
    "software": "Engineering",
    "nursing": "Clinical Operations",
    "sales": "Sales & Partnerships",
    "accounting": "Finance & Accounting",
    "hr": "People & Culture",
    "marketing": "Marketing",
    "teaching": "Education",
    "mechanical": "Hardware Engineering",
    "support": "Customer Success & Support",
    "office": "Workplace & Facilities",
}
_HOURLY = frozenset({"nursing", "support"})
_ASHBY_EMPLOYMENT = {"Full-time": "FullTime", "Part-time": "PartTime", "Contract": "Contract", "Temporary": "Temporary"}
_LEVER_WORKPLACE = {WorkplaceType.REMOTE: "remote", WorkplaceType.HYBRID: "hybrid", WorkplaceType.ONSITE: "on-site"}
_ASHBY_WORKPLACE = {WorkplaceType.REMOTE: "Remote", WorkplaceType.HYBRID: "Hybrid", WorkplaceType.ONSITE: "OnSite"}
_EASTERN = timezone(timedelta(hours=-4))
_ID_STEP = 7  # Greenhouse ids of one board are not consecutive


@dataclass(frozen=True)
class _Job:
    """One generated job, before any board's shape is put on it."""

    index: int
    occupation: Occupation
    title: str
    department: str
    places: tuple[str, ...]
    workplace: WorkplaceType
    employment: str
    published: datetime  # UTC
    text: str  # the plain-text description, lines as a reader should get them
    pay: tuple[int, int] | None  # yearly, or hourly for hourly occupations
    listed: bool


@dataclass(frozen=True)
class Answer:
    """What the fake board sends for one company-board request; `fault_key` names it for scripted faults."""

    status: int
    body: bytes
    content_type: str = _JSON
    fault_key: str | None = None


@dataclass
class AtsBoards:
    """Every company board the fake serves, generated on first request and kept."""

    seed: int
    now: datetime
    jobs: int = 40
    unlisted_rate: float = 0.1
    requests: dict[str, int] = field(default_factory=dict)  # requests per fault key (board list, page, job)
    _boards: dict[tuple[str, str], list[_Job]] = field(default_factory=dict)
    _shapes: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @staticmethod
    def exists(name: str) -> bool:
        """Whether a board of this name exists (on every API): any valid name not starting with "missing"."""
        return BOARD_TOKEN.fullmatch(name) is not None and not name.lower().startswith(MISSING_PREFIX)

    def expected(self, ats: str, name: str) -> list[JobPosting]:
        """The postings a correct reader gets from a board: listed ones, every field the API gives."""
        build = {"greenhouse": self._greenhouse_posting, "lever": self._lever_posting, "ashby": self._ashby_posting}
        return [build[ats](name, job) for job in self._jobs(ats, name) if job.listed]

    # -- HTTP -----------------------------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        """The answer to a company-board request (its path matched one of ROUTES)."""
        route, args = route_of(path)
        name = args[0]
        key = ":".join((route.split("_")[0], *args, *([query.get("skip", "0")] if route == "lever_postings" else [])))
        self.requests[key] = self.requests.get(key, 0) + 1
        if route.startswith("greenhouse"):
            answer = self._greenhouse(name, args[1] if len(args) > 1 else None, query)
        elif route.startswith("lever"):
            answer = self._lever(name, args[1] if len(args) > 1 else None, query)
        else:
            answer = self._ashby(name)
        return Answer(answer.status, answer.body, answer.content_type, key if answer.status == 200 else None)

    def _greenhouse(self, token: str, job_id: str | None, query: dict[str, str]) -> Answer:
        if not self.exists(token):
            error = "Job board not found" if job_id is None else "Job not found"
            return Answer(404, _dump({"status": 404, "error": error}))
        jobs = self._jobs("greenhouse", token)
        if job_id is None:
            content = query.get("content", "").lower() == "true"
            objects = self._shaped("greenhouse-content" if content else "greenhouse", token)
            return Answer(200, _dump({"jobs": objects, "meta": {"total": len(objects)}}))
        offset = int(job_id) - _greenhouse_base(self.seed, token) if job_id.isdigit() else -1
        job = jobs[offset // _ID_STEP] if offset % _ID_STEP == 0 and 0 <= offset // _ID_STEP < len(jobs) else None
        if job is None:
            return Answer(404, _dump({"status": 404, "error": "Job not found"}))
        data = self._greenhouse_job(token, job, content=True)
        if query.get("pay_transparency", "").lower() == "true":
            data["pay_input_ranges"] = _pay_ranges(job)
        return Answer(200, _dump(data))

    def _lever(self, site: str, posting_id: str | None, query: dict[str, str]) -> Answer:
        if not self.exists(site):
            return Answer(404, _dump({"ok": False, "error": "Document not found"}))
        postings = self._shaped("lever", site)
        if posting_id is not None:
            found = next((p for p in postings if p["id"] == posting_id), None)
            if found is None:
                return Answer(404, _dump({"ok": False, "error": "Document not found"}))
            return Answer(200, _dump(found))
        skip = int(query["skip"]) if query.get("skip", "").isdigit() else 0
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else len(postings)
        return Answer(200, _dump(postings[skip : skip + limit]))

    def _ashby(self, name: str) -> Answer:
        if not self.exists(name):
            return Answer(404, b"Not Found", _TEXT)
        jobs = self._shaped("ashby", name)
        return Answer(200, _dump({"apiVersion": "1", "jobs": jobs}))

    # -- generation -----------------------------------------------------------------------------------------

    def _jobs(self, ats: str, name: str) -> list[_Job]:
        key = (ats, name)
        if key not in self._boards:
            self._boards[key] = self._generate(ats, name)
        return self._boards[key]

    def _shaped(self, shape: str, name: str) -> list[dict[str, Any]]:
        """A board's jobs in one API's JSON shape, built once: benchmarks read thirty boards many times."""
        key = (shape, name)
        if key not in self._shapes:
            ats = shape.partition("-")[0]
            build = {
                "greenhouse": lambda job: self._greenhouse_job(name, job, content=False),
                "greenhouse-content": lambda job: self._greenhouse_job(name, job, content=True),
                "lever": lambda job: self._lever_json(name, job),
                "ashby": lambda job: self._ashby_json(name, job),
            }[shape]
            self._shapes[key] = [build(job) for job in self._jobs(ats, name)]
        return self._shapes[key]

    def _generate(self, ats: str, name: str) -> list[_Job]:
        rng = random.Random(f"{self.seed}|{ats}|{name}")
        occupations = [*OCCUPATIONS, OFFICE]
        rng.shuffle(occupations)
        company = company_name(name)
        cities = [place for place in LOCATIONS if place not in ("Remote", "United States")]
        jobs = []
        for index in range(self.jobs):
            # Round-robin over occupations, so every board of a dozen jobs or more has data roles and office roles.
            occupation = occupations[index % len(occupations)]
            title = rng.choice(occupation.titles)
            workplace = rng.choices(list(WorkplaceType), weights=(2, 3, 5))[0]
            places: tuple[str, ...]
            if workplace is WorkplaceType.REMOTE:
                places = (rng.choice(("Remote - US", "Remote")),)
            else:
                places = tuple(rng.sample(cities, 2 if rng.random() < 0.15 else 1))
            department = _DEPARTMENTS[occupation.key]
            opening = f"{company} is hiring in {department}."
            text = describe(occupation, title, company, places[0], rng)
            days = min(int(rng.expovariate(1 / 10)), 90)
            published = (self.now - timedelta(days=days, hours=rng.randrange(0, 24))).replace(microsecond=0)
            jobs.append(
                _Job(
                    index=index,
                    occupation=occupation,
                    title=title,
                    department=department,
                    places=places,
                    workplace=workplace,
                    employment=rng.choice(EMPLOYMENT_TYPES),
                    published=published.astimezone(UTC),
                    text=_tidy(f"{opening}\n{text}"),
                    pay=_pay(occupation, rng) if rng.random() < 0.7 else None,
                    listed=ats != "ashby" or rng.random() >= self.unlisted_rate,
                )
            )
        return jobs

    # -- Greenhouse -----------------------------------------------------------------------------------------

    def _greenhouse_job(self, token: str, job: _Job, *, content: bool) -> dict[str, Any]:
        job_id = _greenhouse_id(self.seed, token, job)
        metadata = (
            [
                {"id": 7001, "name": "Employment Type", "value": job.employment, "value_type": "single_select"},
                {"id": 7002, "name": "Workplace Type", "value": job.workplace.title(), "value_type": "single_select"},
            ]
            if _has_metadata(token)
            else None
        )
        data: dict[str, Any] = {
            "absolute_url": f"https://job-boards.greenhouse.io/{token}/jobs/{job_id}",
            "data_compliance": [{"type": "gdpr", "requires_consent": False, "retention_period": None}],
            "internal_job_id": job_id - 1_000_000,
            "location": {"name": "; ".join(job.places)},
            "metadata": metadata,
            "id": job_id,
            "updated_at": (job.published + timedelta(days=1)).astimezone(_EASTERN).isoformat(),
            "requisition_id": f"REQ-{1000 + job.index}",
            "title": job.title,
            "company_name": company_name(token),
            "first_published": job.published.astimezone(_EASTERN).isoformat(),
        }
        if content:
            markup = f'<div class="content-intro">{description_html(job.text, "p")}</div>'
            data["content"] = html.escape(markup)
            data["departments"] = [{"id": 4100 + job.index, "name": job.department, "child_ids": [], "parent_id": None}]
            data["offices"] = [
                {"id": 5100 + i, "name": place.split(",")[0], "location": place, "child_ids": [], "parent_id": None}
                for i, place in enumerate(job.places)
            ]
        return data

    def _greenhouse_posting(self, token: str, job: _Job) -> JobPosting:
        low_high = _span(_pay_ranges(job))
        location = "; ".join(job.places)
        metadata = _has_metadata(token)
        remote = WorkplaceType.REMOTE if "remote" in location.lower() else None
        return JobPosting(
            source=f"greenhouse:{token}",
            job_id=str(_greenhouse_id(self.seed, token, job)),
            url=f"https://job-boards.greenhouse.io/{token}/jobs/{_greenhouse_id(self.seed, token, job)}",
            title=job.title,
            company=company_name(token),
            location=location,
            posted_at=job.published.date(),
            description=job.text,
            department=job.department,
            employment_type=job.employment if metadata else None,
            workplace_type=job.workplace if metadata else remote,
            salary_min=low_high[0] if low_high else None,
            salary_max=low_high[1] if low_high else None,
            salary_currency="USD" if low_high else None,
            salary_interval=_interval(job) if low_high else None,
            fetched_at=self.now,
        )

    # -- Lever ----------------------------------------------------------------------------------------------

    def _lever_json(self, site: str, job: _Job) -> dict[str, Any]:
        posting_id = _uuid(self.seed, "lever", site, job.index)
        opening, lists, closing = _lever_parts(job.text)
        description = "".join(f"<div>{html.escape(line)}</div>" for line in opening)
        additional = "".join(f"<div>{html.escape(line)}</div>" for line in closing)
        data: dict[str, Any] = {
            "additional": additional,
            "additionalPlain": "\n".join(closing),
            "categories": {
                "commitment": job.employment,
                "department": job.department,
                "location": job.places[0],
                "team": job.occupation.key.replace("_", " ").title(),
                "allLocations": list(job.places),
            },
            "createdAt": int(job.published.timestamp() * 1000),
            "descriptionPlain": "\n".join(opening),
            "description": description,
            "descriptionBody": description,
            "descriptionBodyPlain": "\n".join(opening),
            "opening": "",
            "openingPlain": "",
            "id": posting_id,
            "lists": [
                {"text": heading, "content": "".join(f"<li>{html.escape(item)}</li>" for item in items)}
                for heading, items in lists
            ],
            "text": job.title,
            "country": "US",
            "workplaceType": _LEVER_WORKPLACE[job.workplace],
            "hostedUrl": f"https://jobs.lever.co/{site}/{posting_id}",
            "applyUrl": f"https://jobs.lever.co/{site}/{posting_id}/apply",
        }
        if job.pay is not None:
            interval = "per-hour-wage" if job.occupation.key in _HOURLY else "per-year-salary"
            data["salaryRange"] = {"currency": "USD", "interval": interval, "min": job.pay[0], "max": job.pay[1]}
            data["salaryDescription"] = "<div>The range above is the base pay for this role.</div>"
            data["salaryDescriptionPlain"] = "The range above is the base pay for this role."
        return data

    def _lever_posting(self, site: str, job: _Job) -> JobPosting:
        posting_id = _uuid(self.seed, "lever", site, job.index)
        opening, lists, closing = _lever_parts(job.text)
        bulleted = [line for heading, items in lists for line in (heading, *(f"- {item}" for item in items))]
        text = [*opening, *bulleted, *closing]
        return JobPosting(
            source=f"lever:{site}",
            job_id=posting_id,
            url=f"https://jobs.lever.co/{site}/{posting_id}",
            title=job.title,
            company=site,
            location="; ".join(job.places),
            posted_at=job.published.date(),
            description="\n".join(text),
            department=job.department,
            employment_type=job.employment,
            workplace_type=job.workplace,
            apply_url=f"https://jobs.lever.co/{site}/{posting_id}/apply",
            salary_min=job.pay[0] if job.pay else None,
            salary_max=job.pay[1] if job.pay else None,
            salary_currency="USD" if job.pay else None,
            salary_interval=_interval(job) if job.pay else None,
            fetched_at=self.now,
        )

    # -- Ashby ----------------------------------------------------------------------------------------------

    def _ashby_json(self, name: str, job: _Job) -> dict[str, Any]:
        job_id = _uuid(self.seed, "ashby", name, job.index)
        compensation: dict[str, Any] = {
            "compensationTierSummary": None,
            "scrapeableCompensationSalarySummary": None,
            "compensationTiers": [],
            "summaryComponents": [],
        }
        if job.pay is not None:
            interval = "1 HOUR" if job.occupation.key in _HOURLY else "1 YEAR"
            summary = f"${job.pay[0]:,} – ${job.pay[1]:,}"
            salary = {
                "id": f"{job_id}-salary",
                "summary": summary,
                "compensationType": "Salary",
                "interval": interval,
                "currencyCode": "USD",
                "minValue": job.pay[0],
                "maxValue": job.pay[1],
            }
            equity = {
                "id": f"{job_id}-equity",
                "summary": "Offers Equity",
                "compensationType": "EquityPercentage",
                "interval": "NONE",
                "currencyCode": None,
                "minValue": None,
                "maxValue": None,
            }
            compensation = {
                "compensationTierSummary": f"{summary} • Offers Equity",
                "scrapeableCompensationSalarySummary": summary,
                "compensationTiers": [
                    {
                        "id": f"{job_id}-tier",
                        "tierSummary": f"{summary} • Offers Equity",
                        "title": "Zone A",
                        "additionalInformation": None,
                        "components": [salary, equity],
                    }
                ],
                "summaryComponents": [salary, equity],
            }
        city, _, region = job.places[0].partition(", ")
        return {
            "id": job_id,
            "title": job.title,
            "department": job.department,
            "team": job.occupation.key.replace("_", " ").title(),
            "employmentType": _ASHBY_EMPLOYMENT.get(job.employment, job.employment),
            "location": job.places[0],
            "secondaryLocations": [
                {"location": place, "address": {"postalAddress": {"addressLocality": place.split(",")[0]}}}
                for place in job.places[1:]
            ],
            "publishedAt": job.published.isoformat(timespec="milliseconds"),
            "isListed": job.listed,
            "isRemote": job.workplace is WorkplaceType.REMOTE,
            "workplaceType": _ASHBY_WORKPLACE[job.workplace],
            "address": {
                "postalAddress": {"addressLocality": city, "addressRegion": region, "addressCountry": "United States"}
            },
            "jobUrl": f"https://jobs.ashbyhq.com/{name}/{job_id}",
            "applyUrl": f"https://jobs.ashbyhq.com/{name}/{job_id}/application",
            "descriptionHtml": description_html(job.text, "p"),
            "descriptionPlain": job.text,
            "shouldDisplayCompensationOnJobPostings": job.pay is not None,
            "compensation": compensation,
        }

    def _ashby_posting(self, name: str, job: _Job) -> JobPosting:
        job_id = _uuid(self.seed, "ashby", name, job.index)
        return JobPosting(
            source=f"ashby:{name}",
            job_id=job_id,
            url=f"https://jobs.ashbyhq.com/{name}/{job_id}",
            title=job.title,
            company=name,
            location="; ".join(job.places),
            posted_at=job.published.date(),
            description=job.text,
            department=job.department,
            employment_type=job.employment,
            workplace_type=job.workplace,
            apply_url=f"https://jobs.ashbyhq.com/{name}/{job_id}/application",
            salary_min=job.pay[0] if job.pay else None,
            salary_max=job.pay[1] if job.pay else None,
            salary_currency="USD" if job.pay else None,
            salary_interval=_interval(job) if job.pay else None,
            fetched_at=self.now,
        )


def route_of(path: str) -> tuple[str, tuple[str, ...]]:
    """The company-board route of a path and its decoded arguments (board, job id), or ("", ()) for none."""
    for route, pattern in _PATHS:
        if match := pattern.match(path):
            return route, tuple(unquote(arg) for arg in match.groups())
    return "", ()


def company_name(board: str) -> str:
    """The company a generated board belongs to: its name in words ("acme-robotics" -> "Acme Robotics")."""
    return " ".join(word.capitalize() for word in re.split(r"[-_.]+", board) if word) or board


def _dump(data: object) -> bytes:
    return json.dumps(data).encode()


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _pay(occupation: Occupation, rng: random.Random) -> tuple[int, int]:
    low, high = _PAY.get(occupation.key, (55, 95))
    scale = rng.uniform(0.9, 1.15)
    if occupation.key in _HOURLY:
        return round(low * scale * 1000 / 2080), round(high * scale * 1000 / 2080)
    return round(low * scale) * 1000, round(high * scale) * 1000


def _interval(job: _Job) -> str:
    return "hour" if job.occupation.key in _HOURLY else "year"


def _pay_ranges(job: _Job) -> list[dict[str, Any]]:
    """Greenhouse's pay ranges, in cents: one zone, or two (a second, lower zone) for every third job."""
    if job.pay is None:
        return []
    low, high = job.pay
    title = "Hourly Pay Range" if job.occupation.key in _HOURLY else "Zone 1"
    blurb = "<p>The base pay offered will depend on skills, experience and location.</p>"
    zones = [(title, 100)]
    if job.index % 3 == 0 and job.occupation.key not in _HOURLY:
        zones.append(("Zone 2", 90))
    return [
        {"min_cents": low * cents, "max_cents": high * cents, "currency_type": "USD", "title": name, "blurb": blurb}
        for name, cents in zones
    ]


def _span(ranges: list[dict[str, Any]]) -> tuple[float, float] | None:
    if not ranges:
        return None
    return min(r["min_cents"] for r in ranges) / 100, max(r["max_cents"] for r in ranges) / 100


def _has_metadata(token: str) -> bool:
    # Some Greenhouse boards fill custom fields for employment and workplace type; most leave metadata null.
    return sum(map(ord, token)) % 2 == 0


@functools.lru_cache(maxsize=1024)
def _greenhouse_base(seed: int, token: str) -> int:
    return random.Random(f"{seed}|greenhouse-id|{token}").randrange(4_000_000, 8_000_000)


def _greenhouse_id(seed: int, token: str, job: _Job) -> int:
    return _greenhouse_base(seed, token) + job.index * _ID_STEP


def _uuid(seed: int, ats: str, name: str, index: int) -> str:
    return str(uuid.UUID(int=random.Random(f"{seed}|{ats}|{name}|{index}").getrandbits(128), version=4))


def _lever_parts(text: str) -> tuple[list[str], list[tuple[str, list[str]]], list[str]]:
    """A description as Lever holds it: the opening text, the bulleted lists under their headings, the rest."""
    lines = text.splitlines()
    opening: list[str] = []
    lists: list[tuple[str, list[str]]] = []
    closing: list[str] = []
    for i, line in enumerate(lines):
        if _BULLET.match(line):
            lists[-1][1].append(_BULLET.sub("", line))
        elif i + 1 < len(lines) and _BULLET.match(lines[i + 1]):
            lists.append((line, []))
        else:
            (closing if lists else opening).append(line)
    return opening, lists, closing
