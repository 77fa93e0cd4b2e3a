"""The resource API: resumes, searches, abort, reports; each key sees only its own."""

from __future__ import annotations

import csv
import io
import json
import time

import httpx
import pytest

from tests.api.conftest import EVIL_COMPANY, EVIL_TITLE, RESUME_TEXT, SEARCH, Service, resume_file, wait_for

pytestmark = pytest.mark.model


def _docx(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.split(". "):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("name", "make", "media"),
    [
        ("cv.txt", lambda t: t.encode(), "text/plain"),
        ("cv.docx", _docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("cv.pdf", _pdf, "application/pdf"),
    ],
)
def test_resume_upload_reads_pdf_docx_and_text(client: httpx.Client, name: str, make, media: str) -> None:
    data = make(RESUME_TEXT)
    response = client.post("/v1/resumes", files={"file": (name, data, media)})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["filename"] == name and body["size"] == len(data) and body["chars"] > 100
    assert [r["id"] for r in client.get("/v1/resumes").json()][0] == body["id"]


def test_resume_upload_refuses_wrong_type_too_large_and_unreadable(service: Service, client: httpx.Client) -> None:
    exe = client.post("/v1/resumes", files={"file": ("cv.exe", b"MZ\x90\x00", "application/octet-stream")})
    as_json = client.post("/v1/resumes", json={"file": "text"})
    limit = service.settings.api_max_resume_bytes
    huge = client.post("/v1/resumes", files={"file": ("cv.txt", b"a" * (limit + 1), "text/plain")})
    empty = client.post("/v1/resumes", files={"file": ("cv.txt", b"   ", "text/plain")})
    broken_pdf = client.post("/v1/resumes", files={"file": ("cv.pdf", b"%PDF-1.7 not really", "application/pdf")})
    no_file = client.post("/v1/resumes", files={"other": ("cv.txt", b"text", "text/plain")})

    assert exe.status_code == 415 and ".exe" in exe.json()["detail"]
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json()["detail"]
    assert huge.status_code == 413
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert broken_pdf.status_code == 422 and "cv.pdf" in broken_pdf.json()["detail"]
    assert no_file.status_code == 422 and no_file.json()["message"].startswith("file:")
    assert client.get("/v1/resumes").json() == []  # nothing refused was kept


def test_search_ranks_against_the_latest_resume_else_the_query(service: Service, client: httpx.Client) -> None:
    no_resume = client.post("/v1/searches", json=SEARCH)
    assert no_resume.status_code == 202 and no_resume.json()["ranked_against"] == "query"
    assert no_resume.headers["location"] == f"/v1/searches/{no_resume.json()['id']}"

    first = client.post("/v1/resumes", files={"file": resume_file("Registered nurse, ICU, patient care.")}).json()
    latest = client.post("/v1/resumes", files={"file": resume_file()}).json()
    implicit = client.post("/v1/searches", json=SEARCH).json()
    explicit = client.post("/v1/searches", json={**SEARCH, "resume_id": first["id"]}).json()
    assert (implicit["ranked_against"], implicit["resume_id"]) == ("resume", latest["id"])
    assert (explicit["ranked_against"], explicit["resume_id"]) == ("resume", first["id"])

    results = {
        name: wait_for(client, f"/v1/searches/{search['id']}")
        for name, search in (("query", no_resume.json()), ("latest", implicit), ("nurse", explicit))
    }
    assert all(r["status"] == "SUCCEEDED" and r["matches"] for r in results.values())
    top = {name: r["matches"][0]["title"] for name, r in results.items()}
    assert "Nurse" in top["nurse"] or "nurs" in top["nurse"].lower(), top  # the older resume really was used
    assert top["latest"] != top["nurse"]


def test_results_hold_the_evidence_a_card_shows(client: httpx.Client) -> None:
    client.post("/v1/resumes", files={"file": resume_file()})
    search = wait_for(client, f"/v1/searches/{client.post('/v1/searches', json=SEARCH).json()['id']}")
    assert search["status"] == "SUCCEEDED" and search["finished_at"]
    fired = [m for m in search["matches"] if m["fired_weights"]]
    assert fired and all(set(m["fired_weights"]) <= {"python", "phd"} for m in fired)
    assert all(m["score"] == pytest.approx(m["raw_score"] * _product(m["fired_weights"]), rel=1e-3) for m in fired)
    assert any(m["matched_keywords"] for m in search["matches"])


def _product(weights: dict[str, float]) -> float:
    result = 1.0
    for weight in weights.values():
        result *= weight
    return result


def test_reports_in_three_formats_escape_scraped_markup(client: httpx.Client) -> None:
    search_id = client.post("/v1/searches", json=SEARCH).json()["id"]
    wait_for(client, f"/v1/searches/{search_id}")

    html = client.get(f"/v1/searches/{search_id}/report.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "script-src" not in html.headers["content-security-policy"]  # no script may run in a report
    assert "<script>" not in html.text and "<img src=x" not in html.text
    assert "Data Scientist &lt;img src=x onerror=" in html.text

    rows = list(csv.DictReader(io.StringIO(client.get(f"/v1/searches/{search_id}/report.csv").text)))
    assert EVIL_TITLE in {row["title"] for row in rows}
    report = client.get(f"/v1/searches/{search_id}/report.json")
    assert report.headers["content-type"] == "application/json"
    data = json.loads(report.text)
    assert data["status"] == "SUCCEEDED" and EVIL_COMPANY in {m["company"] for m in data["matches"]}
    assert client.get(f"/v1/searches/{search_id}/report.pdf").status_code == 422


def test_keys_see_only_their_own_searches_and_resumes(service: Service, client: httpx.Client) -> None:
    resume = client.post("/v1/resumes", files={"file": resume_file()}).json()
    search_id = client.post("/v1/searches", json=SEARCH).json()["id"]
    with service.client(service.new_key("other")) as other:
        assert other.get(f"/v1/searches/{search_id}").status_code == 404
        assert other.get(f"/v1/searches/{search_id}/report.html").status_code == 404
        assert other.delete(f"/v1/searches/{search_id}").status_code == 404
        assert other.post(f"/v1/searches/{search_id}/abort").status_code == 404
        assert other.delete(f"/v1/resumes/{resume['id']}").status_code == 404
        assert other.get("/v1/resumes").json() == []
        borrowed = other.post("/v1/searches", json={**SEARCH, "resume_id": resume["id"]})
        assert borrowed.status_code == 404 and borrowed.json()["detail"].startswith("resume_id:")
        # Their own search ranks against the query: another key's latest resume is not theirs either.
        assert other.post("/v1/searches", json=SEARCH).json()["ranked_against"] == "query"
    assert client.get(f"/v1/searches/{search_id}").status_code == 200


def test_abort_ends_a_running_search_aborted(slow_service: Service) -> None:
    with slow_service.client(slow_service.new_key()) as http:
        search = http.post("/v1/searches", json={**SEARCH, "pages": 3}).json()
        aborted = http.post(f"/v1/searches/{search['id']}/abort")
        assert aborted.status_code == 200, aborted.text
        assert aborted.json()["status"] == "ABORTED" and aborted.json()["error"] == "search aborted"
        assert http.get(f"/v1/searches/{search['id']}").json()["status"] == "ABORTED"
        again = http.post(f"/v1/searches/{search['id']}/abort")
        assert again.status_code == 409 and "ABORTED" in again.json()["detail"]


def test_a_key_past_its_limit_of_running_searches_gets_429(slow_service: Service) -> None:
    with slow_service.client(slow_service.new_key("limited", max_running=2)) as http:
        first, second = (http.post("/v1/searches", json={**SEARCH, "pages": 3}) for _ in range(2))
        third = http.post("/jobscrape", json={**SEARCH, "pages": 3})
        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
        assert "2 search(es)" in third.json()["detail"]
        with slow_service.client(slow_service.new_key("unlimited")) as other:  # the limit is per key
            other_search = other.post("/v1/searches", json={**SEARCH, "pages": 1})
            assert other_search.status_code == 202
            other.post(f"/v1/searches/{other_search.json()['id']}/abort")
        http.post(f"/v1/searches/{first.json()['id']}/abort")
        deadline = time.monotonic() + 10
        while (retry := http.post("/v1/searches", json={**SEARCH, "pages": 1})).status_code == 429:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert retry.status_code == 202  # a slot freed by the abort is usable again
        for search in (second.json(), retry.json()):
            http.post(f"/v1/searches/{search['id']}/abort")


def test_a_user_takes_their_data_back(service: Service) -> None:
    raw = service.new_key("leaving")
    with service.client(raw) as http:
        resume = http.post("/v1/resumes", files={"file": resume_file()}).json()
        kept = wait_for(http, f"/v1/searches/{http.post('/v1/searches', json=SEARCH).json()['id']}")
        erased = wait_for(http, f"/v1/searches/{http.post('/v1/searches', json=SEARCH).json()['id']}")

        assert http.delete(f"/v1/searches/{erased['id']}").status_code == 204
        assert http.get(f"/v1/searches/{erased['id']}").status_code == 404
        assert service.store.get_execution(erased["id"]) is None and not service.store.failures(erased["id"])
        assert http.delete(f"/v1/resumes/{resume['id']}").status_code == 204
        assert http.get("/v1/resumes").json() == []

        assert http.delete("/v1/keys/current", params={"erase": "true"}).status_code == 204
        assert service.store.get_execution(kept["id"]) is None  # everything of the key went with it
        assert http.get("/v1/resumes").status_code == 401  # and the key works nowhere any more


def test_the_database_and_its_folder_are_private(tmp_path) -> None:
    from jobmatch.store.sql import SqlStore

    home = tmp_path / "new-home"
    SqlStore(f"sqlite:///{home / 'jobmatch.sqlite'}").close()
    assert (home.stat().st_mode & 0o777, (home / "jobmatch.sqlite").stat().st_mode & 0o777) == (0o700, 0o600)


def test_a_marked_posting_carries_its_mark_in_the_keys_search_results(service: Service) -> None:
    with service.client(service.new_key("marks")) as http:
        search = wait_for(http, f"/v1/searches/{http.post('/v1/searches', json=SEARCH).json()['id']}")
        first = search["matches"][0]
        marked = http.put(f"/v1/postings/{first['source']}/{first['job_id']}/status", json={"status": "applied"})
        assert marked.status_code == 200, marked.text
        again = http.get(f"/v1/searches/{search['id']}").json()["matches"]
        assert [m["status"] for m in again] == ["applied"] + [None] * (len(again) - 1)
        assert '<span class="badge">applied</span>' in http.get(f"/v1/searches/{search['id']}/report.html").text
        with service.client(service.new_key("other")) as other:  # a mark is its key's own
            theirs = wait_for(other, f"/v1/searches/{other.post('/v1/searches', json=SEARCH).json()['id']}")
            assert all(m["status"] is None for m in theirs["matches"])
