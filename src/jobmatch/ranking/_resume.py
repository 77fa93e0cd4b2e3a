"""Reading a resume file (PDF, DOCX, plain text or Markdown) into plain text, within caps no real resume reaches.

`parse_resume` checks what can be checked before the work is done: a DOCX's zip directory (members, their summed
sizes and compression ratio) before anything is inflated, a PDF's page count before any text is extracted, and the
characters extracted so far (before whitespace is tidied) after each page, paragraph or table row. Text past
`resume_max_chars` is refused, not cut: a resume cut short would rank wrongly with no one told, and no real resume
comes near the cap; so the text ranking reads is never longer than it. Time and memory cannot be capped from inside a
process: `read_resume` (`_resume_guard`) runs `parse_resume` in a child process that is killed past them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from jobmatch.config import Settings

_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
_MB = 1024 * 1024


class ResumeError(ValueError):
    """A resume that cannot be used: unreadable, empty or of an unsupported type; the message names the file."""


class ResumeTooLarge(ResumeError):
    """A resume past one of the size caps (expanded bytes, zip members, pages, characters); the message names the
    setting."""


def setting(field: str) -> str:
    """The environment variable of a `Settings` field, as error messages name it."""
    return f"JOBMATCH_{field.upper()}"


def parse_resume(data: bytes, name: str, settings: Settings) -> str:
    """The text of a resume's bytes (type from `name`'s extension, else the magic bytes), tidied; at most
    `resume_max_chars` characters, else ResumeTooLarge."""
    if not data.strip():
        raise ResumeError(f"resume {name} is empty")
    kind = _kind(name, data)
    if kind == "pdf":
        text = _pdf_text(data, name, settings)
    elif kind == "docx":
        text = _docx_text(data, name, settings)
    elif kind == "text":
        # No encoding spends more than 4 bytes on a character: past that many bytes the text is too long unread.
        _check_chars(len(data) // 4, name, settings)
        text = _decode(data, name)
        _check_chars(len(text), name, settings)
    else:
        suffix = Path(name).suffix or "(none)"
        raise ResumeError(f"resume {name}: unsupported file type {suffix}; use PDF, DOCX, .txt or .md")
    text = _tidy(text)
    if not text:
        raise ResumeError(f"resume {name} has no text (a scanned PDF needs OCR first)")
    return text


def is_plain_text(data: bytes, name: str) -> bool:
    """Whether `parse_resume` would read these bytes as plain text (no parser involved)."""
    return _kind(name, data) == "text"


def _check_chars(count: int, name: str, settings: Settings) -> None:
    if count > settings.resume_max_chars:
        raise ResumeTooLarge(
            f"resume {name} has more than {settings.resume_max_chars:,} characters of text, far more than a resume "
            f"({setting('resume_max_chars')})"
        )


def _kind(name: str, data: bytes) -> str | None:
    suffix = Path(name).suffix.lower()
    # Magic bytes win over a wrong extension: uploads are often renamed.
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if suffix in {".docx", ""} or _is_docx(data) else None
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".docx":
        return "docx"
    if suffix in _TEXT_SUFFIXES:
        return "text"
    if suffix == "" and b"\x00" not in data[:4096]:
        return "text"
    return None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _pdf_text(data: bytes, name: str, settings: Settings) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ResumeError(f"resume {name} is an encrypted PDF")
        pages = len(reader.pages)
        if pages > settings.resume_max_pages:
            raise ResumeTooLarge(
                f"resume {name} has {pages} pages, more than the {settings.resume_max_pages} allowed "
                f"({setting('resume_max_pages')})"
            )
        texts: list[str] = []
        chars = 0
        # Pages may all draw one huge content stream: stop at the first page past the cap, not after the last.
        for page in reader.pages:
            texts.append(page.extract_text() or "")
            chars += len(texts[-1]) + 1
            _check_chars(chars, name, settings)
        return "\n".join(texts)
    except ResumeError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ResumeError(f"resume {name} is not a readable PDF: {exc}") from None


def _docx_text(data: bytes, name: str, settings: Settings) -> str:
    _check_zip(data, name, settings)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises assorted zip/xml/KeyError types for a damaged file
        raise ResumeError(f"resume {name} is not a readable DOCX: {exc}") from None
    lines: list[str] = []
    chars = 0

    def add(line: str) -> None:
        nonlocal chars
        lines.append(line)
        chars += len(line) + 1
        _check_chars(chars, name, settings)

    for paragraph in document.paragraphs:
        add(paragraph.text)
    # Many resumes lay out skills and dates in tables; their text counts too.
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            add(" | ".join(cells))
    return "\n".join(lines)


def _check_zip(data: bytes, name: str, settings: Settings) -> None:
    """Refuse a DOCX whose zip directory promises too much; zipfile never inflates a member past its listed size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ResumeError(f"resume {name} is not a readable DOCX: {exc}") from None
    if len(members) > settings.resume_max_zip_members:
        raise ResumeTooLarge(
            f"resume {name} holds {len(members)} files, more than the {settings.resume_max_zip_members} allowed in a "
            f"DOCX ({setting('resume_max_zip_members')})"
        )
    expanded = sum(member.file_size for member in members)
    if expanded > settings.resume_max_expanded_bytes:
        raise ResumeTooLarge(
            f"resume {name} expands to {expanded / _MB:,.0f} MB unzipped, more than the "
            f"{settings.resume_max_expanded_bytes / _MB:g} MB allowed ({setting('resume_max_expanded_bytes')})"
        )
    packed = max(1, sum(member.compress_size for member in members))
    if expanded > settings.resume_max_compression_ratio * packed:
        raise ResumeTooLarge(
            f"resume {name} is compressed {expanded / packed:,.0f} to 1, more than the "
            f"{settings.resume_max_compression_ratio:g} to 1 allowed, as a zip bomb is "
            f"({setting('resume_max_compression_ratio')})"
        )


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if b"\x00" in data[:4096]:
        raise ResumeError(f"resume {name} is binary, not text")
    return data.decode("cp1252", errors="replace")


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
