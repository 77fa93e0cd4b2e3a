"""The dispatch stage's rule for a search that breaks: on its first page it fails, later it keeps what it listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobmatch.models import Execution, JobRef, SearchQuery
from jobmatch.pipeline import SearchFailed, dispatch
from jobmatch.sources import FetchError
from jobmatch.store.sql import SqlStore


class BreakingSource:
    """A source whose search gives `pages` pages of one card each, then fails as a board that went away."""

    name = "linkedin"
    whole_board = False

    def __init__(self, pages: int):
        self.pages = pages

    async def search(self, query: SearchQuery):
        for page in range(self.pages):
            yield [JobRef(source="linkedin", job_id=str(page), url=f"https://www.linkedin.com/jobs/view/{page}")]
        raise FetchError("HTTP 503 from https://www.linkedin.com/jobs-guest/jobs/api/seeMoreJobPostings/search")

    async def fetch(self, ref: JobRef):
        raise NotImplementedError


class OneBoard:
    """The `Boards` of a search whose only board is `source`."""

    def __init__(self, source: BreakingSource):
        self.source = source

    def get(self, name: str) -> BreakingSource:
        return self.source


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'stages.sqlite'}")


def _execution(store: SqlStore) -> Execution:
    execution = Execution(query=SearchQuery(query="Nurse", pages=5))
    store.create_execution(execution)
    return execution


async def test_failure_after_some_pages_keeps_them_and_says_so(store: SqlStore) -> None:
    execution, notes = _execution(store), []
    pages = [refs async for refs in dispatch(execution, OneBoard(BreakingSource(2)), store, notes=notes)]
    assert [[r.job_id for r in refs] for refs in pages] == [["0"], ["1"]]
    assert notes == [
        "linkedin: search stopped after 2 page(s): HTTP 503 from "
        "https://www.linkedin.com/jobs-guest/jobs/api/seeMoreJobPostings/search"
    ]
    assert store.get_execution(execution.id).counts.listed == 2


async def test_failure_on_the_first_page_fails_the_search(store: SqlStore) -> None:
    execution = _execution(store)
    with pytest.raises(SearchFailed, match="HTTP 503"):
        [refs async for refs in dispatch(execution, OneBoard(BreakingSource(0)), store)]


def test_outcome_is_complete_only_when_nothing_was_lost(store: SqlStore) -> None:
    from jobmatch.models import ExecutionStatus, ListingOutcome
    from jobmatch.pipeline import end_search, outcome

    running = _execution(store)
    assert outcome(running) is None  # not ended yet

    clean = _execution(store)
    end_search(store, clean.id, ExecutionStatus.SUCCEEDED)
    assert outcome(store.get_execution(clean.id)).model_dump() == {"complete": True, "shortfalls": []}

    lossy = _execution(store)
    refs = [JobRef(source="linkedin", job_id=str(i), url=f"https://www.linkedin.com/jobs/view/{i}") for i in range(3)]
    store.add_listings(lossy.id, refs)
    store.settle_listing(lossy.id, refs[0], ListingOutcome.FETCHED)
    store.settle_listing(lossy.id, refs[1], ListingOutcome.FAILED, "HTTP 429")
    store.settle_listing(lossy.id, refs[2], ListingOutcome.CACHED)
    store.increment(lossy.id, pages_failed=1)
    end_search(store, lossy.id, ExecutionStatus.SUCCEEDED)
    result = outcome(store.get_execution(lossy.id))
    assert result is not None and not result.complete
    assert any("search page" in line for line in result.shortfalls)
    assert any(line.startswith("1 of 3 listed postings could not be fetched") for line in result.shortfalls)


async def test_a_page_lost_after_the_first_is_counted(store: SqlStore) -> None:
    execution = _execution(store)
    [refs async for refs in dispatch(execution, OneBoard(BreakingSource(2)), store, notes=[])]
    assert store.get_execution(execution.id).counts.pages_failed == 1


class WholeBoard:
    """A company board's whole listing in one page: two of its four jobs are not what the search asks for."""

    name = "greenhouse:acme"
    whole_board = True

    async def search(self, query: SearchQuery):
        titles = ["Registered Nurse", "Nurse Practitioner", "Accountant", "Welder"]
        yield [
            JobRef(source=self.name, job_id=str(i), url=f"https://boards.greenhouse.io/acme/jobs/{i}", title=title)
            for i, title in enumerate(titles)
        ]

    async def fetch(self, ref: JobRef):
        raise NotImplementedError


class GoneBoard(BreakingSource):
    name = "lever:gone"


class SeveralBoards:
    def __init__(self, *sources: BreakingSource | WholeBoard):
        self.sources = {source.name: source for source in sources}

    def get(self, name: str) -> BreakingSource | WholeBoard:
        return self.sources[name]


async def test_a_dispatch_run_again_counts_nothing_twice(store: SqlStore) -> None:
    """A search resumed after a crash (or a task delivered twice) dispatches again: its counters stay as they were."""
    execution = Execution(
        query=SearchQuery(query="Nurse", pages=5, sources=["linkedin", "greenhouse:acme", "lever:gone"])
    )
    store.create_execution(execution)
    boards = SeveralBoards(BreakingSource(2), WholeBoard(), GoneBoard(0))
    for _ in range(2):
        [refs async for refs in dispatch(execution, boards, store, notes=[])]
        counts = store.get_execution(execution.id).counts
        assert (counts.filtered, counts.pages_failed, counts.sources_failed) == (2, 1, 1)
        assert (counts.listed, counts.pages) == (4, 2)  # linkedin's 2 cards and acme's 2 nurses


class ReadBoard(BreakingSource):
    """LinkedIn read to the end of its results: `pages` pages of one card each."""

    async def search(self, query: SearchQuery):
        for page in range(self.pages):
            yield [JobRef(source="linkedin", job_id=str(page), url=f"https://www.linkedin.com/jobs/view/{page}")]


async def test_a_dispatch_run_again_counts_how_its_last_reading_of_each_board_ended(store: SqlStore) -> None:
    """LinkedIn blocked before a crash and read when the search resumes: the search got what it asked of LinkedIn,
    and its outcome does not say a board could not be read."""
    from jobmatch.models import ExecutionStatus
    from jobmatch.pipeline import end_search, outcome

    execution = Execution(query=SearchQuery(query="Nurse", pages=5, sources=["linkedin", "greenhouse:acme"]))
    store.create_execution(execution)
    readings = [  # LinkedIn as one dispatch of the search reads it -> (pages_failed, sources_failed) after it
        (BreakingSource(0), (0, 1)),
        (ReadBoard(2), (0, 0)),
        (BreakingSource(1), (1, 0)),
        (ReadBoard(2), (0, 0)),
    ]
    for linkedin, (pages_failed, sources_failed) in readings:
        notes: list[str] = []
        [refs async for refs in dispatch(execution, SeveralBoards(linkedin, WholeBoard()), store, notes=notes)]
        counts = store.get_execution(execution.id).counts
        assert (counts.pages_failed, counts.sources_failed) == (pages_failed, sources_failed), notes
    end_search(store, execution.id, ExecutionStatus.SUCCEEDED)
    assert outcome(store.get_execution(execution.id)).shortfalls == []
