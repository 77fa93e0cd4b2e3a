"""Resume files for tests, built in the test: ordinary ones, and the hostile ones of issue 14 (a DOCX zip bomb, a PDF
whose pages all draw one content stream), each written streaming so the test itself stays light."""

from __future__ import annotations

import io
import zipfile
import zlib

_PARAGRAPH = b"<w:p><w:r><w:t>Senior data scientist: Python, SQL, machine learning, statistics.</w:t></w:r></w:p>"
_LINE = b"(Senior data scientist: Python, SQL, machine learning, statistics, forecasting, A/B tests.) '\n"


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines, as a word processor makes it."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    for line in lines:
        document.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def docx(lines: list[str], table: list[list[str]] | None = None) -> bytes:
    """A DOCX with these paragraphs and, if given, a table."""
    import docx as python_docx

    document = python_docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(xml_bytes: int, *, extra_members: int = 0) -> bytes:
    """A valid DOCX whose word/document.xml holds `xml_bytes` of repeated paragraphs (200 MB packs into ~0.6 MB),
    plus `extra_members` tiny files."""
    template = zipfile.ZipFile(io.BytesIO(docx(["Jane Doe"])))
    head, _, tail = template.read("word/document.xml").partition(b"<w:body>")
    chunk = _PARAGRAPH * (1024 * 1024 // len(_PARAGRAPH))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in template.infolist():
            if member.filename != "word/document.xml":
                archive.writestr(member, template.read(member))
        with archive.open("word/document.xml", "w") as document:
            document.write(head + b"<w:body>")
            written = 0
            while written < xml_bytes:
                document.write(chunk)
                written += len(chunk)
            document.write(tail)
        for index in range(extra_members):
            archive.writestr(f"customXml/extra{index}.xml", b"<x/>")
    return out.getvalue()


def pdf_one_stream(pages: int, chars: int) -> bytes:
    """A PDF of `pages` pages that all draw the same compressed content stream of about `chars` characters of text
    (60 pages of a million characters each fit in ~60 KB)."""
    content = b"BT /F1 10 Tf 72 760 Td 12 TL\n" + _LINE * (chars // (len(_LINE) - 4) + 1) + b"ET\n"
    stream = zlib.compress(content, 9)
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 3 0 R >>"
    )
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
