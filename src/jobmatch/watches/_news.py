"""What is new to a watch: never reported by it, scoring at least its minimum, open, and not a repost of a posting
it reported (same company and title, descriptions near-identical by the ranking's own shingle similarity, within
`watch_repost_window_days`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import Field

from jobmatch.models import Match, PostingState, Reported, SearchReport, Watch

# The ranking's own repost similarity, so what it folds within a search and what a watch calls a repost agree.
from jobmatch.ranking._dedup import _jaccard, shingles
from jobmatch.ranking._words import phrase, words

PostingKey = tuple[str, str]
# The description of a stored posting, or None when the store no longer has it.
TextOf = Callable[[PostingKey], str | None]


class WatchMatch(Match):
    """A match as a watch shows it: whether this run found it first, and the job seeker's mark on it."""

    new: bool = Field(False, description="First reported by this run.")
    repost_of: str | None = Field(None, description="`source:job_id` of the reported posting this reposts.")


@dataclass
class News:
    """A run's matches to show (new first, then earlier ones still open) and the postings it reports."""

    matches: list[WatchMatch] = field(default_factory=list)
    reported: list[Reported] = field(default_factory=list)

    @property
    def new(self) -> list[WatchMatch]:
        return [match for match in self.matches if match.new]


def key_text(key: PostingKey) -> str:
    return f"{key[0]}:{key[1]}"


def fingerprint(company: str, title: str) -> str:
    """Company and title, normalised: the part of a repost that stays the same."""
    text = f"{company.casefold().strip()}\x1f{phrase(title)}"
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def work_out(
    watch: Watch,
    report: SearchReport,
    reported: Iterable[Reported],
    statuses: Mapping[PostingKey, PostingState],
    text_of: TextOf,
    *,
    now: datetime,
    repost_window: timedelta,
    similarity: float,
) -> News:
    """The news of a run whose search ended with `report`, given what the watch reported before."""
    earlier = {(item.source, item.job_id): item for item in reported}
    recent = [item for item in earlier.values() if now - item.reported_at <= repost_window]
    fresh, rest, to_report = [], [], []
    for match in report.matches:
        key = (match.source, match.job_id)
        mark = _mark(key, earlier, statuses)
        if mark is PostingState.DISMISSED:
            continue
        print_ = fingerprint(match.company, match.title)
        if key in earlier or _folded_reported(match, earlier):
            if not match.closed:
                rest.append(_shown(match, mark))
            continue
        if match.closed or match.score < watch.min_score:
            continue
        original = _repost_of(key, print_, recent, text_of, similarity)
        repost_of = key_text((original.source, original.job_id)) if original is not None else None
        to_report.append(
            Reported(
                watch_id=watch.id,
                source=key[0],
                job_id=key[1],
                fingerprint=print_,
                reported_at=now,
                repost_of=repost_of,
            )
        )
        if original is not None:
            status = statuses.get((original.source, original.job_id)) or mark
            if status is PostingState.DISMISSED:
                continue
            rest.append(_shown(match, status, repost_of=repost_of))
            continue
        fresh.append(_shown(match, mark, new=True))
    return News(matches=fresh + rest, reported=to_report)


def shown_run(
    report: SearchReport,
    new_keys: Iterable[str],
    reported: Iterable[Reported],
    statuses: Mapping[PostingKey, PostingState],
    reported_before: datetime | None,
) -> list[WatchMatch]:
    """A reported run's matches as they show now: its new ones first, then those reported by then and still open,
    each with its current mark (dismissed ones left out)."""
    new = set(new_keys)
    known = {
        (item.source, item.job_id): item
        for item in reported
        if reported_before is None or item.reported_at <= reported_before
    }
    fresh, rest = [], []
    for match in report.matches:
        key = (match.source, match.job_id)
        mark = _mark(key, known, statuses)
        if mark is PostingState.DISMISSED:
            continue
        if key_text(key) in new:
            fresh.append(_shown(match, mark, new=True))
        elif key in known and not match.closed:
            rest.append(_shown(match, mark))
    return fresh + rest


def _mark(
    key: PostingKey, reported: Mapping[PostingKey, Reported], statuses: Mapping[PostingKey, PostingState]
) -> PostingState | None:
    """The job seeker's mark on a posting, or, for a repost the watch recorded, on the posting it reposts."""
    mark = statuses.get(key)
    item = reported.get(key)
    if mark is None and item is not None and item.repost_of:
        source, _, job_id = item.repost_of.rpartition(":")
        mark = statuses.get((source, job_id))
    return mark


def _folded_reported(match: Match, reported: Mapping[PostingKey, Reported]) -> bool:
    # The ranking folded reposts within this search into the match: one of them reported is the match reported.
    return any((match.source, job_id) in reported for job_id in match.duplicates)


def _repost_of(
    key: PostingKey, print_: str, recent: list[Reported], text_of: TextOf, similarity: float
) -> Reported | None:
    candidates = [item for item in recent if item.fingerprint == print_]
    if not candidates:
        return None
    text = text_of(key)
    if text is None:
        return None
    mine = shingles(words(text))
    for item in candidates:
        theirs = text_of((item.source, item.job_id))
        if theirs is not None and _jaccard(mine, shingles(words(theirs))) >= similarity:
            return item
    return None


def _shown(match: Match, status: PostingState | None, *, new: bool = False, repost_of: str | None = None) -> WatchMatch:
    return WatchMatch(**match.model_dump(exclude={"status"}), new=new, status=status, repost_of=repost_of)
