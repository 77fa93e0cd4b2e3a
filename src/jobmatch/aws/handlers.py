"""The state machine's three Lambdas, each a thin call of the pipeline's stages (pipeline/stages.py).

One container image, one handler per function (the template's ImageConfig.Command names it): `dispatcher`,
`scraper` and `analyzer`. The HTTP API is another function of the same image (jobmatch.aws.api); it starts, stops
and watches executions through the StepFunctionsRunner. Only ids travel between states; everything else is in the
store (`JOBMATCH_DATABASE_URL=dynamodb://<prefix>`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobmatch.config import Settings, get_settings
from jobmatch.models import Execution, ExecutionStatus, JobRef

# SearchFailed is re-exported: it is the error type the state machine's Catch sees when a search cannot list.
from jobmatch.pipeline import SearchFailed, complete, dispatch, end_search, give_up, open_boards, scrape
from jobmatch.pipeline.stepfunctions import error_text
from jobmatch.store import Store, open_store

if TYPE_CHECKING:
    from jobmatch.ranking import Ranker

__all__ = ["Runtime", "SearchFailed", "analyzer", "dispatcher", "runtime", "scraper", "use_runtime"]


@dataclass
class Runtime:
    """What a warm Lambda keeps between invocations: settings, store and, in the Analyzer, the loaded model."""

    settings: Settings
    store: Store
    _ranker: Ranker | None = None

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            from jobmatch.ranking import Ranker

            self._ranker = Ranker(self.settings, cache=self.store)
        return self._ranker


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, built from the environment (`JOBMATCH_*`) on first use."""
    global _runtime
    if _runtime is None:
        settings = get_settings()
        _runtime = Runtime(settings, open_store(settings))
    return _runtime


def use_runtime(value: Runtime | None) -> None:
    """Replace the runtime (tests; a Lambda never calls this)."""
    global _runtime
    _runtime = value


def dispatcher(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Page through the search, store every card; return the ids of the postings left to scrape.

    A search that cannot list anything ends FAILED with the reason, and SearchFailed is raised so the state machine
    ends too.
    """
    rt = runtime()
    execution = _execution(rt.store, event["execution_id"])
    notes: list[str] = []
    if not execution.status.finished:
        try:
            asyncio.run(_dispatch(rt, execution, notes))
        except SearchFailed as exc:
            end_search(rt.store, execution.id, ExecutionStatus.FAILED, str(exc))
            raise
    # Every unsettled listing, not only this attempt's new ones: a retried Dispatcher must lose none.
    ids = [f"{ref.source}:{ref.job_id}" for ref in rt.store.unsettled_listings(execution.id)]
    return {"execution_id": execution.id, "ids": ids, "notes": notes}


def scraper(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Store one posting (fetched, or reused when fresh); its failure is recorded, never raised.

    With an `error` (the state machine caught this function failing past its retries), record the posting failed
    with that error instead, so the search goes on without it.
    """
    rt = runtime()
    execution_id, posting_id = event["execution_id"], event["id"]
    source, _, job_id = posting_id.partition(":")
    ref = rt.store.get_listing(execution_id, source, job_id)
    if ref is None:
        return {"id": posting_id, "outcome": "unknown"}
    if "error" in event:
        error = event["error"] or {}
        reason = "scraper failed: " + error_text(str(error.get("Error") or ""), str(error.get("Cause") or ""))
        return {"id": posting_id, "outcome": give_up(execution_id, ref, rt.store, reason).outcome.value}
    if _execution(rt.store, execution_id).status.finished:
        # Aborted or failed meanwhile: its unsettled postings were failed with the reason; fetch nothing more.
        return {"id": posting_id, "outcome": "skipped"}
    result = asyncio.run(_scrape(rt, execution_id, ref))
    return {"id": posting_id, "outcome": result}


def analyzer(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Rank the stored postings against the search's resume (or its query) and end the search SUCCEEDED."""
    rt = runtime()
    execution = _execution(rt.store, event["execution_id"])
    if execution.status.finished:
        return {"execution_id": execution.id, "status": execution.status.value, "matches": 0}
    report = complete(rt.store, rt.ranker, execution.id, notes=event.get("notes") or [])
    return {"execution_id": execution.id, "status": ExecutionStatus.SUCCEEDED.value, "matches": len(report.matches)}


async def _dispatch(rt: Runtime, execution: Execution, notes: list[str]) -> None:
    async with open_boards(rt.settings, rt.store, execution.id) as boards:
        async for _ in dispatch(execution, boards, rt.store, notes=notes):
            pass


async def _scrape(rt: Runtime, execution_id: str, ref: JobRef) -> str:
    async with open_boards(rt.settings, rt.store, execution_id) as boards:
        result = await scrape(execution_id, ref, boards, rt.store)
    return result.outcome.value


def _execution(store: Store, execution_id: str) -> Execution:
    execution = store.get_execution(execution_id)
    if execution is None:
        raise LookupError(f"no execution {execution_id!r} in the store")
    return execution
