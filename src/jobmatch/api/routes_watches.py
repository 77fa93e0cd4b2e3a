"""Watches (saved searches on a schedule), their runs and feeds, and each key's marks on postings. Each route calls
`jobmatch.watches.Watches`; its errors become the API's (404, 409, 422)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from jobmatch.api.routes import REPORT_CSP, KeyDep, _problems, require_json
from jobmatch.api.service import Conflict, NotFound, Unavailable, Unprocessable
from jobmatch.models import PostingState, PostingStatus, SearchQuery, Watch
from jobmatch.pipeline import RunnerUnavailable
from jobmatch.watches import RunView, WatchConflict, WatchError, Watches, WatchNotFound, WatchPatch, WatchSpec

router = APIRouter(prefix="/v1")


class WatchView(BaseModel):
    """A watch as its key sees it, with the secret URL of its feed."""

    id: str
    name: str
    search: SearchQuery
    resume_id: str | None
    schedule: str
    min_score: float
    notify: list[str]
    next_run_at: datetime
    created_at: datetime
    updated_at: datetime
    feed_url: str = Field(description="The watch's Atom feed; anyone with it can read it. Rotate to revoke.")
    last_run: RunView | None = None


class MarkRequest(BaseModel):
    status: PostingState


def get_watches(request: Request) -> Watches:
    return request.app.state.watches


WatchesDep = Annotated[Watches, Depends(get_watches)]


@contextmanager
def _api_errors() -> Iterator[None]:
    try:
        yield
    except WatchNotFound as exc:
        raise NotFound(str(exc)) from None
    except WatchConflict as exc:
        raise Conflict(str(exc)) from None
    except WatchError as exc:
        raise Unprocessable(str(exc)) from None
    except RunnerUnavailable:
        raise Unavailable("the search runner is not available; try again shortly") from None


def _view(watches: Watches, watch: Watch, *, last_run: bool = False) -> WatchView:
    runs = watches.runs(watch.owner, watch.id, limit=1) if last_run else []
    return WatchView(
        **watch.model_dump(include=set(WatchView.model_fields) - {"search", "feed_url", "last_run"}),
        search=watch.query,
        feed_url=f"{watches.public_url}/v1/watches/{watch.id}/feed.atom?token={watch.feed_token}",
        last_run=runs[0] if runs else None,
    )


@router.post(
    "/watches",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_json)],
    responses=_problems(400, 401, 404, 409, 415, 422),
    tags=["watches"],
)
def create_watch(body: WatchSpec, key: KeyDep, watches: WatchesDep, response: Response) -> WatchView:
    """Save a search that runs on its schedule (an interval such as `1d`, or a cron expression, in UTC)."""
    with _api_errors():
        watch = watches.create(key.id, body)
    response.headers["Location"] = f"/v1/watches/{watch.id}"
    return _view(watches, watch)


@router.get("/watches", responses=_problems(401), tags=["watches"])
def list_watches(key: KeyDep, watches: WatchesDep) -> list[WatchView]:
    """This key's watches, by name, each with its last run."""
    return [_view(watches, watch, last_run=True) for watch in watches.list_watches(key.id)]


@router.get("/watches/{watch_id}", responses=_problems(401, 404), tags=["watches"])
def get_watch(watch_id: str, key: KeyDep, watches: WatchesDep) -> WatchView:
    with _api_errors():
        return _view(watches, watches.get(key.id, watch_id), last_run=True)


@router.patch(
    "/watches/{watch_id}",
    dependencies=[Depends(require_json)],
    responses=_problems(400, 401, 404, 409, 415, 422),
    tags=["watches"],
)
def update_watch(watch_id: str, body: WatchPatch, key: KeyDep, watches: WatchesDep) -> WatchView:
    """Change a watch; `{"rotate_feed_token": true}` gives it a new feed URL and revokes the old one."""
    with _api_errors():
        return _view(watches, watches.update(key.id, watch_id, body))


@router.delete(
    "/watches/{watch_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404), tags=["watches"]
)
def delete_watch(watch_id: str, key: KeyDep, watches: WatchesDep) -> Response:
    with _api_errors():
        watches.delete(key.id, watch_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/watches/{watch_id}/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=_problems(401, 404, 503),
    tags=["watches"],
)
def run_watch(watch_id: str, key: KeyDep, watches: WatchesDep) -> RunView:
    """Run a watch now (its schedule stays); poll `GET /v1/watches/{id}/runs/{run_id}` until `matches` is set."""
    with _api_errors():
        run = watches.run_now(key.id, watch_id)
        return watches.run_view(key.id, watch_id, run.id)


@router.get("/watches/{watch_id}/runs", responses=_problems(401, 404), tags=["watches"])
def list_runs(
    watch_id: str, key: KeyDep, watches: WatchesDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[RunView]:
    """The watch's runs, newest first; a reported run lists its matches, new ones first."""
    with _api_errors():
        return watches.runs(key.id, watch_id, limit)


@router.get("/watches/{watch_id}/runs/{run_id}", responses=_problems(401, 404), tags=["watches"])
def get_run(watch_id: str, run_id: str, key: KeyDep, watches: WatchesDep) -> RunView:
    with _api_errors():
        return watches.run_view(key.id, watch_id, run_id)


@router.get(
    "/watches/{watch_id}/runs/{run_id}/report.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, 404: {"description": "No such run or token."}},
    tags=["watches"],
)
def run_report(
    watch_id: str, run_id: str, watches: WatchesDep, token: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """A run's full report, new matches first with their marks; the watch's feed token is the only key it needs, so
    the link in a notification opens in any mail reader."""
    with _api_errors():
        html = watches.run_report_html(watch_id, run_id, token)
    return Response(html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP})


@router.get(
    "/watches/{watch_id}/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}, 404: {"description": "No such feed or token."}},
    tags=["watches"],
)
def watch_feed(watch_id: str, watches: WatchesDep, token: Annotated[str, Query(max_length=100)] = "") -> Response:
    """The watch's new matches as an Atom feed; the secret token in its URL is the only key it needs."""
    with _api_errors():
        body = watches.feed(watch_id, token)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.put(
    "/postings/{source}/{job_id}/status",
    dependencies=[Depends(require_json)],
    responses=_problems(400, 401, 415, 422),
    tags=["postings"],
)
def mark_posting(source: str, job_id: str, body: MarkRequest, key: KeyDep, watches: WatchesDep) -> PostingStatus:
    """Mark a posting saved, applied or dismissed: dismissed ones are never reported again, applied ones carry a
    badge in every later result."""
    return watches.mark(key.id, source, job_id, body.status)


@router.get("/postings/status", responses=_problems(401), tags=["postings"])
def list_marks(key: KeyDep, watches: WatchesDep) -> list[PostingStatus]:
    """This key's marks on postings."""
    return [
        PostingStatus(api_key_id=key.id, source=source, job_id=job_id, status=mark)
        for (source, job_id), mark in watches.marks(key.id).items()
    ]
