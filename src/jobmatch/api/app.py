"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from jobmatch import __version__


def create_app() -> FastAPI:
    """A new application instance."""
    app = FastAPI(title="jobmatch", version=__version__)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return "<!DOCTYPE html><title>jobmatch</title><h1>jobmatch</h1><p>The service is up. See <a href='/docs'>/docs</a>.</p>"

    return app
