"""The web page in a real browser: Debian's chromium, headless, driven by Playwright, against the real server."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.api.conftest import EVIL_COMPANY, EVIL_JOB_ID, EVIL_TITLE, Service, write_resume
from tests.conftest import REPO, require_service

pytestmark = pytest.mark.model

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO / "test-artifacts"


def test_web_page_searches_shows_progress_then_escaped_cards(service: Service, key: str, tmp_path: Path) -> None:
    require_service(f"Debian's chromium ({CHROMIUM}; `apt-get install chromium`)", CHROMIUM.exists())
    from playwright.sync_api import sync_playwright

    resume = write_resume(tmp_path / "my resume.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
            page.goto(f"{service.url}/")

            page.fill("#api-key", key)
            page.fill("#query", "Data Scientist")
            page.fill("#location", "Chicago")
            page.fill("#pages", "1")
            page.fill("#post_time", "30")
            page.fill("#word_scores", "python=1.2\nphd=1.1")
            page.set_input_files("#resume", str(resume))
            page.click("#submit")

            page.wait_for_selector("#progress-panel:not([hidden])", timeout=30_000)
            page.wait_for_selector("#results .card", timeout=120_000)

            assert "Pages 1 of 1" in page.inner_text("#counters")
            assert "ranked against the resume" in page.inner_text("#summary")
            cards = page.locator("#results .card")
            assert cards.count() >= 10
            first = cards.nth(0)
            assert "raw" in first.locator(".score").inner_text()
            assert first.locator("h3 a").get_attribute("href").startswith("http")
            assert page.locator("#results .kw.weight").count() > 0  # the python / phd weights fired somewhere
            assert page.locator("#results .kw.have").count() > 0

            evil = page.locator(f'#results .card[data-job-id="{EVIL_JOB_ID}"]')
            assert EVIL_TITLE in evil.locator("h3").inner_text()  # shown as the text it is...
            assert evil.locator(".company").inner_text() == EVIL_COMPANY
            assert page.locator("#results img, #results script").count() == 0  # ...and never became markup
            assert page.evaluate("window.__pwned") is None
            assert errors == []

            with page.expect_download() as download:
                page.click(".downloads button[data-format=csv]")
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
            assert EVIL_TITLE in {row["title"] for row in rows} and len(rows) == cards.count()

            page.reload()  # the key stays in this browser
            assert page.input_value("#api-key") == key

            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "web-page.png"
            page.goto(f"{service.url}/")
            _search_again(page)
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()


def _search_again(page) -> None:
    # The screenshot shows a finished search: cached postings make this one quick.
    page.fill("#query", "Data Scientist")
    page.fill("#post_time", "30")
    page.fill("#word_scores", "python=1.2")
    page.click("#submit")
    page.wait_for_selector("#results .card", timeout=60_000)


def test_web_page_lists_watches_with_new_matches_and_marks_postings(service: Service, key: str) -> None:
    require_service(f"Debian's chromium ({CHROMIUM}; `apt-get install chromium`)", CHROMIUM.exists())
    import time

    from playwright.sync_api import sync_playwright

    with service.client(key) as http:
        watch = http.post(
            "/v1/watches",
            json={"name": "<b>Evening</b>", "search": {"query": "Data Scientist", "post_time": 30}, "schedule": "1d"},
        ).json()
        run_id = http.post(f"/v1/watches/{watch['id']}/runs").json()["run"]["id"]
        deadline = time.monotonic() + 120
        while http.get(f"/v1/watches/{watch['id']}/runs/{run_id}").json()["matches"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(f"{service.url}/")
                page.fill("#api-key", key)
                page.click("#load-watches")
                panel = page.locator(f'.watch[data-watch-id="{watch["id"]}"]')
                panel.locator(".card").first.wait_for(timeout=30_000)
                assert panel.locator("h3").first.inner_text() == "<b>Evening</b>"  # the name as text
                assert panel.locator(".badge.new").count() == panel.locator(".card").count() > 0
                evil = panel.locator(f'.card[data-job-id="{EVIL_JOB_ID}"]')
                assert EVIL_TITLE in evil.locator("h3").inner_text()
                assert page.locator("#watches img, #watches script, #watches b").count() == 0
                evil.locator("button[data-status=applied]").click()
                evil.locator(".badge.applied").wait_for(timeout=10_000)
                assert page.evaluate("window.__pwned") is None and errors == []
            finally:
                browser.close()
        marks = http.get("/v1/postings/status").json()
        assert {"source": "linkedin", "job_id": EVIL_JOB_ID, "status": "applied"}.items() <= marks[0].items()
