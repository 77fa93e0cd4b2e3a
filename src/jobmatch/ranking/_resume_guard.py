"""Reading a resume in a child process of its own, so no file can take the caller's time, memory or event loop.

A crafted file needs no bug to hurt: a 0.65 MB DOCX that expands to 200 MB of XML kept the API process busy for 192 s
at 3.8 GB and stalled `/healthz` for 5 s, because parsing ran in the server and held its GIL. Here every PDF and DOCX
(the API's uploads and the command line's `--resume` alike) is read in a fresh Python process that:

- checks the size caps first (`parse_resume`): a DOCX's zip directory, a PDF's page count, the characters extracted;
- may map at most `resume_max_memory_bytes` beyond its own start-up (`RLIMIT_AS`), so a parser that swells fails
  with MemoryError in the child instead of swapping the host;
- is killed once `resume_max_seconds` have passed since it was started (its start-up, about 0.7 s, included);
- exits when done, handing every byte it used back to the system.

Plain text has no parser to exploit: its length in bytes bounds its characters, so it is checked against
`resume_max_chars` before it is decoded and read in the caller, sparing a child's start-up (a third of a warm
`jobmatch rank`).

The child is `python -c` with the caller's `sys.path`, not a multiprocessing "spawn" (which re-runs the caller's main
script in the child and fails in one without an `if __name__ == "__main__"` guard). The file goes in on stdin
(pickled by the caller), the answer comes back on stdout as JSON, which a child that parsed hostile input cannot turn
into code in the caller. At most `resume_max_parallel` children run at once per process, so a burst of hostile
uploads costs at most that many times the memory cap; a caller that cannot get a turn within `resume_max_seconds` is
told to try again (ResumeBusy). The caller's thread only waits on pipes, holding no GIL.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

from jobmatch.config import Settings, get_settings
from jobmatch.ranking._resume import ResumeError, ResumeTooLarge, is_plain_text, parse_resume, setting

_MB = 1024 * 1024
# Not niced: on a saturated machine a niced child missed the wall-clock cap on an ordinary resume.
_CHILD = "from jobmatch.ranking._resume_guard import child_main; child_main()"


class ResumeBusy(ResumeError):
    """Every resume reader is taken (`resume_max_parallel`); the caller may try again in a few seconds."""


def read_resume(source: Path | bytes, filename: str | None = None, settings: Settings | None = None) -> str:
    """The text of a resume given as a path or as bytes; the type comes from the extension, else the magic bytes.

    Read within the caps of `settings` (default: the environment's), in a child process unless it is plain text;
    raises ResumeTooLarge past a size cap, ResumeError when the file cannot be read (or not within the time and
    memory caps), ResumeBusy when `resume_max_parallel` reads are already running. Every message names the file,
    and the setting of a cap.
    """
    settings = settings if settings is not None else get_settings()
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
    if is_plain_text(data, name):
        return parse_resume(data, name, settings)
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
    """The process's turns at reading (one pool per value of the cap, so one in practice)."""
    return threading.BoundedSemaphore(parallel)


def _read_in_child(data: bytes, name: str, settings: Settings) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=pickle.dumps((data, name, settings)),
            capture_output=True,
            timeout=settings.resume_max_seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise ResumeError(
            f"resume {name} could not be read in {settings.resume_max_seconds:g} s ({setting('resume_max_seconds')})"
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        reason = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        raise ResumeError(f"resume {name} could not be read: the reader stopped ({reason})") from None
    if "text" in answer:
        return str(answer["text"])
    raise (ResumeTooLarge if answer.get("too_large") else ResumeError)(str(answer["error"]))


def child_main() -> None:
    """The child: the file from stdin, parsed under the memory cap; the text or the error as JSON on stdout."""
    import resource  # POSIX only, and only here: importing this module works anywhere

    data, name, settings = pickle.load(sys.stdin.buffer)
    limit = settings.resume_max_memory_bytes
    # On top of what the interpreter and its imports already map (about 200 MB, more with many BLAS threads).
    start = _mapped("VmSize")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = start + limit if hard == resource.RLIM_INFINITY else min(start + limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    memory = f"{limit / _MB:g} MB of memory ({setting('resume_max_memory_bytes')})"
    out_of_memory: dict[str, object] = {"error": f"resume {name} could not be read in {memory}"}
    answer: dict[str, object]
    try:
        answer = {"text": parse_resume(data, name, settings)}
    except ResumeTooLarge as exc:
        answer = {"error": str(exc), "too_large": True}
    except MemoryError:
        answer = out_of_memory
    except Exception as exc:  # noqa: BLE001 - a malformed file may break a parser in any way; it is still the file
        # libxml2 reports a failed allocation as an "unknown error" of the XML: a failure after mapping over half the
        # cap is taken for what it most likely is.
        if _mapped("VmPeak") - start > limit // 2:
            answer = out_of_memory
        elif isinstance(exc, ResumeError):
            answer = {"error": str(exc)}
        else:
            answer = {"error": f"resume {name} could not be read ({type(exc).__name__})"}
    sys.stdout.write(json.dumps(answer))


def _mapped(field: str) -> int:
    """A byte count of this process's address space from /proc/self/status (VmSize now, VmPeak at most); 0 where
    /proc is absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
