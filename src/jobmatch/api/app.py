"""The FastAPI application: the service wired to a store and a runner (the embedded pipeline, or Celery)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match

from jobmatch import __version__
from jobmatch.api import routes, routes_boards, routes_watches
from jobmatch.api.service import ApiError, SearchService, TooMany
from jobmatch.config import Settings, get_settings
from jobmatch.pipeline import make_runner
from jobmatch.store import Store, open_store
from jobmatch.watches import Watches
from jobmatch.watches._sweeper import Sweeper

# Room for the multipart framing around a resume of the largest allowed size.
_MULTIPART_OVERHEAD = 64 * 1024

DESCRIPTION = """Search job boards and rank the postings against your resume.

Two ways in: the original submit-then-poll API (`POST /jobscrape`, then `GET /jobscrape` until `status` is no longer
RUNNING; the HTML report is at `output.Payload.body`) and the resource API under `/v1`. Every route but `/healthz`
takes an API key in the `x-api-key` header (`jobmatch apikey create --name NAME` prints one).
"""


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: an error may echo input that UTF-8 cannot encode (a lone surrogate)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """A new application; `store` defaults to the one `settings` (the environment's) names.

    The runner process opens the database by `settings.database_url`, so it must name a file or a server.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_store = store or open_store(settings)
        runner = make_runner(settings, the_store)
        await run_in_threadpool(runner.recover)
        runner.start()
        app.state.service = SearchService(settings, the_store, runner)
        app.state.watches = Watches(settings, the_store, runner)
        sweeper = Sweeper(app.state.watches, settings.watch_poll_interval)
        sweeper.start()
        try:
            yield
        finally:
            await sweeper.stop()
            await run_in_threadpool(runner.stop)
            if store is None:
                the_store.close()

    app = FastAPI(
        title="jobmatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=settings.api_max_body_bytes,
    )
    app.include_router(routes.pages)
    app.include_router(routes.jobscrape)
    app.include_router(routes.v1)
    app.include_router(routes_watches.router)
    app.include_router(routes_boards.boards)
    app.include_router(routes.resumes, max_body_size=settings.api_max_resume_bytes + _MULTIPART_OVERHEAD)
    app.mount("/static", StaticFiles(directory=routes.STATIC), name="static")
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """400 for a body that is not JSON at all, 422 for a field that breaks a rule; the message names both."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    malformed = any(error.get("type") == "json_invalid" for error in errors)
    message = "; ".join(_describe(error) for error in errors)
    content = {"detail": jsonable_encoder(errors, custom_encoder={bytes: _bytes_text}), "message": message}
    return AsciiJSONResponse(content, status_code=400 if malformed else 422)


async def _method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
    # Starlette's Allow names the methods of the first route whose path matched; a path has one route per method.
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] is Match.PARTIAL:
            allowed |= getattr(route, "methods", None) or set()
    return JSONResponse(
        {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(sorted(allowed))}
    )


def _describe(error: dict[str, Any]) -> str:
    # ("body", "word_scores", "phd") -> "word_scores.phd": where the field sits (body, query...) goes unsaid.
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) > 1 and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    return f"{'.'.join(loc) or 'body'}: {error.get('msg', 'invalid')}"


def _bytes_text(value: bytes) -> str:
    return value.decode("utf-8", "replace")
