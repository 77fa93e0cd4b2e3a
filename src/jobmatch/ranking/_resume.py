"""Reading a resume file (PDF, DOCX, plain text or Markdown) into plain text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}


class ResumeError(ValueError):
    """A resume that cannot be used: unreadable, empty or of an unsupported type; the message names the file."""


def read_resume(source: Path | bytes, filename: str | None = None) -> str:
    """The text of a resume given as a path or as bytes; the type comes from the extension, else the magic bytes."""
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
    if not data.strip():
        raise ResumeError(f"resume {name} is empty")
    kind = _kind(name, data)
    if kind == "pdf":
        text = _pdf_text(data, name)
    elif kind == "docx":
        text = _docx_text(data, name)
    elif kind == "text":
        text = _decode(data, name)
    else:
        suffix = Path(name).suffix or "(none)"
        raise ResumeError(f"resume {name}: unsupported file type {suffix}; use PDF, DOCX, .txt or .md")
    text = _tidy(text)
    if not text:
        raise ResumeError(f"resume {name} has no text (a scanned PDF needs OCR first)")
    return text


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


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ResumeError(f"resume {name} is an encrypted PDF")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except ResumeError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ResumeError(f"resume {name} is not a readable PDF: {exc}") from None


def _docx_text(data: bytes, name: str) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises assorted zip/xml/KeyError types for a damaged file
        raise ResumeError(f"resume {name} is not a readable DOCX: {exc}") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    # Many resumes lay out skills and dates in tables; their text counts too.
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append(" | ".join(cells))
    return "\n".join(lines)


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
