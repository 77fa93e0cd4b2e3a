"""read_resume: PDF, DOCX, text and Markdown; clear errors for what cannot be read, and for what is too big to read."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from jobmatch.config import Settings
from jobmatch.ranking import ResumeBusy, ResumeError, ResumeTooLarge, read_resume
from tests.conftest import make_settings
from tests.ranking import resume_files

MB = 1024 * 1024
# A refusal comes from a child process whose start-up is about 0.7 s on an idle machine; the bombs below took 192 s
# and 101 s before the caps.
QUICK = 8.0


def _pdf(path: Path, lines: list[str]) -> Path:
    path.write_bytes(resume_files.pdf(lines))
    return path


def _docx(path: Path, lines: list[str], table: list[list[str]] | None = None) -> Path:
    path.write_bytes(resume_files.docx(lines, table))
    return path


def test_pdf(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "cv.pdf", ["Jane Doe", "Data Scientist", "Python, SQL, PyTorch"])
    text = read_resume(path)
    assert "Data Scientist" in text and "PyTorch" in text


def test_docx_with_table(tmp_path: Path) -> None:
    path = _docx(tmp_path / "cv.docx", ["John Roe", "Registered Nurse"], [["Skills", "BLS, ICU"]])
    text = read_resume(path)
    assert "Registered Nurse" in text and "BLS, ICU" in text


def test_bytes_by_magic(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "a.pdf", ["Line Cook"]).read_bytes()
    docx_bytes = _docx(tmp_path / "b.docx", ["Welder"]).read_bytes()
    assert "Line Cook" in read_resume(pdf)
    assert "Welder" in read_resume(docx_bytes, filename="upload")


def test_text_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "cv.txt").write_text("Accountant\n\n\n  CPA   ", encoding="utf-8")
    (tmp_path / "cv.md").write_bytes("# Résumé\n- Python".encode())
    assert read_resume(tmp_path / "cv.txt") == "Accountant\n\nCPA"
    assert "Résumé" in read_resume(tmp_path / "cv.md")


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.pdf", b"   \n", "empty"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "unsupported"),
        ("broken.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable DOCX"),
    ],
)
def test_errors_name_file_and_problem(tmp_path: Path, name: str, data: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ResumeError, match=problem) as info:
        read_resume(path)
    assert name in str(info.value)


def test_pdf_without_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(ResumeError, match="no text"):
        read_resume(tmp_path / "scan.pdf")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResumeError, match="cannot read"):
        read_resume(tmp_path / "nope.pdf")


# Caps (issue 14): every refusal names the setting that holds the limit.


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """Issue 14's DOCX: 200 MB of document.xml in well under 1 MB."""
    return resume_files.docx_bomb(200 * MB)


def _refusal(data: bytes, name: str, settings: Settings | None = None) -> tuple[ResumeError, float]:
    started = time.monotonic()
    with pytest.raises(ResumeError) as info:
        read_resume(data, name, settings)
    return info.value, time.monotonic() - started


def test_docx_bomb_refused_from_its_zip_directory(docx_bomb: bytes) -> None:
    assert len(docx_bomb) < 1 * MB
    error, seconds = _refusal(docx_bomb, "bomb.docx")
    assert isinstance(error, ResumeTooLarge)
    assert "bomb.docx expands to 202 MB unzipped" in str(error)
    assert "(JOBMATCH_RESUME_MAX_EXPANDED_BYTES)" in str(error)
    assert seconds < QUICK


def test_docx_bomb_under_the_size_cap_refused_by_its_compression_ratio(tmp_path: Path, docx_bomb: bytes) -> None:
    error, _ = _refusal(docx_bomb, "bomb.docx", make_settings(tmp_path, resume_max_expanded_bytes=1024 * MB))
    assert isinstance(error, ResumeTooLarge)
    assert "to 1, more than the 200 to 1 allowed" in str(error)
    assert "(JOBMATCH_RESUME_MAX_COMPRESSION_RATIO)" in str(error)


def test_docx_of_too_many_members_refused() -> None:
    error, _ = _refusal(resume_files.docx_bomb(0, extra_members=600), "many.docx")
    assert isinstance(error, ResumeTooLarge)
    assert "holds 617 files, more than the 500 allowed" in str(error)
    assert "(JOBMATCH_RESUME_MAX_ZIP_MEMBERS)" in str(error)


def test_pdf_of_60_pages_sharing_one_stream_refused_before_extraction() -> None:
    hostile = resume_files.pdf_one_stream(pages=60, chars=1_000_000)
    assert len(hostile) < 60_000
    error, seconds = _refusal(hostile, "pages.pdf")
    assert isinstance(error, ResumeTooLarge)
    assert str(error) == "resume pages.pdf has 60 pages, more than the 20 allowed (JOBMATCH_RESUME_MAX_PAGES)"
    assert seconds < QUICK


def test_pdf_text_past_the_character_cap_refused_at_the_first_page_past_it() -> None:
    error, seconds = _refusal(resume_files.pdf_one_stream(pages=20, chars=200_000), "chars.pdf")
    assert isinstance(error, ResumeTooLarge)
    assert "chars.pdf has more than 100,000 characters of text" in str(error)
    assert "(JOBMATCH_RESUME_MAX_CHARS)" in str(error)
    assert seconds < QUICK


def test_text_is_refused_past_the_character_cap_never_cut(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, resume_max_chars=1000)
    assert read_resume(b"Welder. " * 120, "short.txt", settings) == ("Welder. " * 120).strip()
    error, _ = _refusal(b"Welder. " * 130, "long.txt", settings)
    assert isinstance(error, ResumeTooLarge)
    assert "long.txt has more than 1,000 characters" in str(error)


def test_a_long_real_resume_is_far_under_every_cap(tmp_path: Path) -> None:
    lines = [f"2015-2024 Senior data scientist at firm {n}: Python, SQL, forecasting, A/B tests." for n in range(250)]
    text = read_resume(_pdf(tmp_path / "long.pdf", lines))
    assert text.count("Senior data scientist") == 250  # about 9 pages, 22,000 characters


def test_a_parse_past_the_time_cap_is_killed(tmp_path: Path) -> None:
    # Past the size caps (lifted here), a 60 MB document.xml takes python-docx seconds; the child is killed at 1 s.
    settings = make_settings(
        tmp_path, resume_max_expanded_bytes=1024 * MB, resume_max_compression_ratio=1e6, resume_max_seconds=1.0
    )
    error, seconds = _refusal(resume_files.docx_bomb(60 * MB), "slow.docx", settings)
    assert not isinstance(error, ResumeTooLarge)
    assert str(error) == "resume slow.docx could not be read in 1 s (JOBMATCH_RESUME_MAX_SECONDS)"
    assert seconds < 3


def test_a_parse_past_the_memory_cap_fails_in_the_child(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        resume_max_expanded_bytes=1024 * MB,
        resume_max_compression_ratio=1e6,
        resume_max_memory_bytes=128 * MB,
        resume_max_seconds=60,
    )
    error, _ = _refusal(resume_files.docx_bomb(30 * MB), "big.docx", settings)
    assert str(error) == "resume big.docx could not be read in 128 MB of memory (JOBMATCH_RESUME_MAX_MEMORY_BYTES)"


def test_reads_past_the_parallel_cap_wait_then_are_told_to_retry(tmp_path: Path) -> None:
    # One turn, taken by a PDF that extracts until it is killed at 3 s; a second read waits 0.5 s for the turn.
    slow = make_settings(tmp_path, resume_max_parallel=1, resume_max_chars=10**9, resume_max_seconds=3)
    impatient = make_settings(tmp_path, resume_max_parallel=1, resume_max_seconds=0.5)
    errors: list[ResumeError] = []

    def read_slowly() -> None:
        with pytest.raises(ResumeError) as info:
            read_resume(resume_files.pdf_one_stream(pages=20, chars=1_000_000), "slow.pdf", slow)
        errors.append(info.value)

    reader = threading.Thread(target=read_slowly)
    reader.start()
    time.sleep(0.3)
    small = resume_files.pdf(["Welder"])
    error, seconds = _refusal(small, "cv.pdf", impatient)
    reader.join(30)
    assert isinstance(error, ResumeBusy)
    assert "(JOBMATCH_RESUME_MAX_PARALLEL); try again in a few seconds" in str(error)
    assert seconds < 2
    assert "could not be read in 3 s" in str(errors[0])
    assert read_resume(small, "cv.pdf", slow) == "Welder"  # the turn is free again
    assert read_resume(b"Welder", "cv.txt", impatient) == "Welder"  # plain text never waits for a turn


def test_plain_text_is_read_without_a_child_and_other_files_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    def no_child(*args: object, **kwargs: object) -> object:
        raise OSError("no child processes here")

    monkeypatch.setattr(subprocess, "run", no_child)
    assert read_resume(b"Welder\n\nMIG, TIG", "cv.md") == "Welder\n\nMIG, TIG"
    # Bytes that only look like text by name are read by what they are: a PDF still goes to a child.
    with pytest.raises(OSError, match="no child"):
        read_resume(resume_files.pdf(["Welder"]), "cv.txt")


def test_the_command_line_reads_a_resume_within_the_same_caps(tmp_path: Path, docx_bomb: bytes) -> None:
    from tests.test_cli import assert_one_line_error, run_cli

    (tmp_path / "bomb.docx").write_bytes(docx_bomb)
    (tmp_path / "two.pdf").write_bytes(resume_files.pdf_one_stream(pages=2, chars=100))
    jobs = str(tmp_path / "jobs.jsonl")
    bomb = run_cli("rank", "--resume", str(tmp_path / "bomb.docx"), "--jobs", jobs, home=tmp_path)
    assert_one_line_error(bomb, "bomb.docx expands to 202 MB", "JOBMATCH_RESUME_MAX_EXPANDED_BYTES")
    env = {"JOBMATCH_RESUME_MAX_PAGES": "1"}
    pages = run_cli("rank", "--resume", str(tmp_path / "two.pdf"), "--jobs", jobs, home=tmp_path, env=env)
    assert_one_line_error(pages, "has 2 pages, more than the 1 allowed", "JOBMATCH_RESUME_MAX_PAGES")
