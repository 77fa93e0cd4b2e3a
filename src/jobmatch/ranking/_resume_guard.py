"""Reading a resume in a child process of its own, so no file can take the caller's time, memory or event loop.

A crafted file needs no bug to hurt: a 0.65 MB DOCX that expands to 200 MB of XML kept the API process busy for 192 s
at 3.8 GB and stalled `/healthz` for 5 s, because parsing ran in the server and held its GIL. Here every read (the
API's uploads and the command line's `--resume` alike) happens in a fresh "spawn" process (never a fork of a process
running threads) that:

- checks the size caps first (`parse_resume`): a DOCX's zip directory, a PDF's page count, the characters extracted;
- runs with its address space capped (`RLIMIT_AS` = `resume_max_memory_bytes`), so a parser that swells fails with
  MemoryError in the child instead of swapping the host;
- is killed once `resume_max_seconds` have passed since it was started (its start-up, about 0.5 s, included);
- exits when done, handing every byte it used back to the system.

At most `resume_max_parallel` children run at once per process, so a burst of hostile uploads costs at most that
many times the memory cap; a caller that cannot get a turn within `resume_max_seconds` is told to try again
(ResumeBusy). The caller's thread only waits on a pipe, holding no GIL.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path

from jobmatch.config import Settings, get_settings
from jobmatch.ranking._resume import ResumeError, parse_resume, setting

_MB = 1024 * 1024


class ResumeBusy(ResumeError):
    """Every resume reader is taken (`resume_max_parallel`); the caller may try again in a few seconds."""


def read_resume(source: Path | bytes, filename: str | None = None, settings: Settings | None = None) -> str:
    """The text of a resume given as a path or as bytes; the type comes from the extension, else the magic bytes.

    Read within the caps of `settings` (default: the environment's), in a child process; raises ResumeTooLarge past
    a size cap, ResumeError when the file cannot be read (or not within the time and memory caps), ResumeBusy when
    `resume_max_parallel` reads are already running. Every message names the file, and the setting of a cap.
    """
    settings = settings or get_settings()
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = filename or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ResumeError(f"cannot read resume {name}: {exc.strerror or exc}") from None
    else:
        data = bytes(source)
        name = filename or "(uploaded resume)"
    turns = _turns(settings.resume_max_parallel)
    if not turns.acquire(timeout=settings.resume_max_seconds):
        raise ResumeBusy(
            f"resume {name} was not read: {settings.resume_max_parallel} other resumes are being read "
            f"({setting('resume_max_parallel')}); try again in a few seconds"
        )
    try:
        return _read_in_child(data, name, settings)
    finally:
        turns.release()


@cache
def _turns(parallel: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(parallel)


def _read_in_child(data: bytes, name: str, settings: Settings) -> str:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(data, name, settings, sender), name="jobmatch-resume", daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(settings.resume_max_seconds):
            raise ResumeError(
                f"resume {name} could not be read in {settings.resume_max_seconds:g} s "
                f"({setting('resume_max_seconds')})"
            )
        try:
            result: str | ResumeError = receiver.recv()
        except EOFError:
            child.join(5)
            raise ResumeError(
                f"resume {name} could not be read: the reader stopped (exit code {child.exitcode})"
            ) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
    if isinstance(result, ResumeError):
        raise result
    return result


def _child_main(data: bytes, name: str, settings: Settings, sender: Connection) -> None:
    """Parse under the memory cap and send back the text or the ResumeError (every failure becomes one)."""
    limit = settings.resume_max_memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    result: str | ResumeError
    try:
        result = parse_resume(data, name, settings)
    except ResumeError as exc:
        result = exc
    except MemoryError:
        result = ResumeError(
            f"resume {name} could not be read in {limit / _MB:g} MB of memory ({setting('resume_max_memory_bytes')})"
        )
    except Exception as exc:  # noqa: BLE001 - a malformed file may break a parser in any way; it is still the file
        result = ResumeError(f"resume {name} could not be read ({type(exc).__name__})")
    sender.send(result)
    sender.close()
