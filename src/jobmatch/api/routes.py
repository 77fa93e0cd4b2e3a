"""The routes: the original submit-then-poll API, the resource API, and the web page. Each one calls the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, Response, Security, UploadFile, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.security import APIKeyHeader
from pydantic import ValidationError

from jobmatch import __version__
from jobmatch.api.schemas import (
    ExecutionQuery,
    ExecutionRef,
    Health,
    JobscrapeStatus,
    Problem,
    ResumeView,
    SearchRequest,
    SearchView,
)
from jobmatch.api.service import SearchService
from jobmatch.report import ReportFormat
from jobmatch.store import ApiKey

STATIC = Path(__file__).parent / "static"
# The page and the reports run no script but the page's own, and the reports none at all.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'"
_MEDIA_TYPE = {
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.JSON: "application/json",
}

api_key_header = APIKeyHeader(
    name="x-api-key", auto_error=False, description="A key printed by `jobmatch apikey create --name NAME`."
)


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "The body is not valid JSON (or multipart).",
        401: "Missing or unknown API key.",
        404: "No such search or resume for this key.",
        409: "The search has already ended, or the key keeps as many resumes as it may.",
        413: "The body is too large.",
        415: "The body is not of the content type this route reads.",
        422: "A field breaks a rule; the message names both.",
        429: "A limit was reached (searches running for this key or in all, requests per minute); see Retry-After.",
        503: "The search runner is restarting, or every resume reader is busy; try again shortly.",
    }
    if 401 in codes:  # every keyed route counts against the key's requests per minute
        codes = tuple(sorted({*codes, 429}))
    return {code: {"model": Problem, "description": descriptions[code]} for code in codes}


# Dependencies


def get_service(request: Request) -> SearchService:
    return request.app.state.service


ServiceDep = Annotated[SearchService, Depends(get_service)]


async def require_key(service: ServiceDep, raw: Annotated[str | None, Security(api_key_header)]) -> ApiKey:
    """The caller's key; 401 without a valid one. Async: a cached lookup, not worth a thread hop."""
    key = service.authenticate(raw)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or invalid API key: send a key from `jobmatch apikey create` in the x-api-key header",
            headers={"WWW-Authenticate": 'ApiKey header="x-api-key"'},
        )
    service.count_request(key)
    return key


KeyDep = Annotated[ApiKey, Depends(require_key)]


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (a form post must not pass for a search)."""
    if not _is_json(request.headers.get("content-type")):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the body as JSON, with Content-Type: application/json"
        )


def require_multipart(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "upload the resume as multipart/form-data, in a field named file"
        )


# The original API

jobscrape = APIRouter(tags=["original API"])


@jobscrape.post(
    "/jobscrape",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_json)],
    responses=_problems(400, 401, 404, 413, 415, 422, 429, 503),
    summary="Start a search (the original API)",
)
def post_jobscrape(body: SearchRequest, key: KeyDep, service: ServiceDep) -> ExecutionRef:
    """Start a search in the background; poll `GET /jobscrape` with the `executionArn` it returns."""
    return service.submit_jobscrape(key, body)


@jobscrape.get(
    "/jobscrape",
    response_model=JobscrapeStatus,
    responses=_problems(400, 401, 404, 413, 415, 422),
    summary="Poll a search (the original API)",
)
async def get_jobscrape(
    request: Request,
    key: KeyDep,
    service: ServiceDep,
    execution_arn: Annotated[
        str | None,
        Query(
            alias="executionArn",
            min_length=1,
            max_length=300,
            description='What POST returned; may instead come as a JSON body `{"executionArn": ...}`.',
        ),
    ] = None,
) -> Response:
    """Status, live progress and, once SUCCEEDED, the output with the report at `output.Payload.body`."""
    # On the event loop, not the thread pool: a poll is a few short SQLite reads, and hopping threads twice per
    # request cost more than the reads (see bench/api.py).
    arn = execution_arn or await _arn_from_body(request)
    return Response(service.jobscrape_status_json(key, arn), media_type="application/json")


async def _arn_from_body(request: Request) -> str:
    # The original client sends its GET with a JSON body, which FastAPI will not read for a GET: read it here.
    body = await request.body()
    if not body.strip():
        raise RequestValidationError(
            [
                {
                    "type": "missing",
                    "loc": ("query", "executionArn"),
                    "input": None,
                    "msg": 'Field required, as ?executionArn= or in a JSON body {"executionArn": ...}',
                }
            ]
        )
    # A body without a content type is taken for JSON, as it was; so is a JSON body sent with curl's default for `-d`
    # (a form type). A real form, or any other declared type, is refused.
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and not (media == "application/x-www-form-urlencoded" and body.lstrip().startswith(b"{")):
        require_json(request)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body",),
                    "input": None,
                    "msg": f"JSON decode error: {exc}",
                }
            ]
        ) from None
    try:
        return ExecutionQuery.model_validate(data).executionArn
    except ValidationError as exc:
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]) from None


# The resource API

v1 = APIRouter(prefix="/v1")


@v1.post(
    "/searches",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_json)],
    responses=_problems(400, 401, 404, 413, 415, 422, 429, 503),
    tags=["searches"],
)
def create_search(body: SearchRequest, key: KeyDep, service: ServiceDep, response: Response) -> SearchView:
    """Start a search; it runs in the background. Poll `GET /v1/searches/{id}`."""
    execution = service.submit(key, body)
    view = service.search_view(key, execution.id)
    response.headers["Location"] = view.links.self
    return view


@v1.get("/searches/{search_id}", responses=_problems(401, 404, 422), tags=["searches"])
def get_search(search_id: str, key: KeyDep, service: ServiceDep) -> SearchView:
    """A search: status, progress, and once SUCCEEDED its matches."""
    return service.search_view(key, search_id)


@v1.post("/searches/{search_id}/abort", responses=_problems(401, 404, 409, 422), tags=["searches"])
def abort_search(search_id: str, key: KeyDep, service: ServiceDep) -> SearchView:
    """Abort a running search; it ends ABORTED and keeps what it found."""
    return service.abort(key, search_id)


@v1.delete(
    "/searches/{search_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_problems(401, 404, 422),
    tags=["searches"],
)
def delete_search(search_id: str, key: KeyDep, service: ServiceDep) -> Response:
    """Erase a search with its results (a running one is aborted first)."""
    service.delete_search(key, search_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@v1.delete("/keys/current", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401), tags=["keys"])
def revoke_key(
    key: KeyDep,
    service: ServiceDep,
    erase: Annotated[
        bool, Query(description="Also delete every search, result and resume of this key, before revoking it.")
    ] = False,
) -> Response:
    """Revoke the key this request carries; it works nowhere from then on."""
    service.revoke_key(key, erase=erase)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@v1.get(
    "/searches/{search_id}/report.{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "The report so far.",
            "content": {"text/html": {}, "text/csv": {}, "application/json": {}},
        },
        **_problems(401, 404, 422),
    },
    tags=["searches"],
)
def get_report(search_id: str, fmt: ReportFormat, key: KeyDep, service: ServiceDep) -> Response:
    """The search's report as HTML, CSV or JSON (while it runs: its status and counters so far)."""
    response = Response(service.report(key, search_id, fmt), media_type=_MEDIA_TYPE[fmt])
    if fmt is ReportFormat.HTML:
        response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


resumes = APIRouter(prefix="/v1", tags=["resumes"])


@resumes.post(
    "/resumes",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_multipart)],
    responses=_problems(400, 401, 409, 413, 415, 422, 503),
)
def upload_resume(
    file: Annotated[
        UploadFile,
        File(
            description="PDF, DOCX or plain text: at most JOBMATCH_API_MAX_RESUME_BYTES (5 MiB) uploaded, and within"
            " the JOBMATCH_RESUME_* caps once read (pages, characters, unzipped size)."
        ),
    ],
    key: KeyDep,
    service: ServiceDep,
) -> ResumeView:
    """Upload a resume; searches of this key without a `resume_id` rank against the latest one."""
    data = file.file.read(service.settings.api_max_resume_bytes + 1)
    return service.upload_resume(key, file.filename or "", file.content_type or "", data)


@resumes.get("/resumes", responses=_problems(401))
def list_resumes(key: KeyDep, service: ServiceDep) -> list[ResumeView]:
    """This key's resumes, newest first."""
    return service.list_resumes(key)


@resumes.delete("/resumes/{resume_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404, 422))
def delete_resume(resume_id: str, key: KeyDep, service: ServiceDep) -> Response:
    """Delete one of this key's resumes (a search still running with it ranks against its query instead)."""
    service.delete_resume(key, resume_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Health and the web page

pages = APIRouter()


@pages.get("/healthz", tags=["health"])
def healthz() -> Health:
    return Health(status="ok", version=__version__)


@pages.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_CSP})
