"""read_resume: PDF, DOCX, text and Markdown; clear errors for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobmatch.ranking import ResumeError, read_resume


def _pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _docx(path: Path, lines: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
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
