"""A watch's Atom feed: the matches each run found new, newest run first, for feed readers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobmatch.models import Watch
from jobmatch.watches._news import WatchMatch


def atom(watch: Watch, runs: Sequence[tuple[datetime, str, Sequence[WatchMatch]]], self_url: str) -> bytes:
    """The feed of `runs` (when reported, the report's URL, its new matches); feedgen escapes every text."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(f"urn:jobmatch:watch:{watch.id}")
    feed.title(f"jobmatch: {watch.name}")
    feed.subtitle(
        f"New matches for {watch.query.query!r}" + (f" in {watch.query.location}" if watch.query.location else "")
    )
    feed.link(href=self_url, rel="self")
    feed.updated(max((when for when, _, _ in runs), default=watch.created_at))
    # feedgen puts the last entry added first; add the oldest first so the newest leads.
    for when, report_url, matches in reversed(runs):
        for match in reversed(matches):
            entry = feed.add_entry()
            entry.id(f"urn:jobmatch:watch:{watch.id}:{match.source}:{match.job_id}")
            entry.title(f"{match.title} at {match.company}")
            entry.link(href=match.url)
            entry.link(href=report_url, rel="related")
            place = f" in {match.location}" if match.location else ""
            badge = f" [{match.status.value}]" if match.status else ""
            entry.summary(f"{match.company}{place}; score {match.score:.2f}{badge}")
            entry.updated(when)
    return feed.atom_str(pretty=True)
