"""The web page's sources field in a real browser: boards named there are searched, and their facts shown."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service
from tests.api.test_web_page import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import require_service

pytestmark = pytest.mark.model


def test_web_page_searches_the_boards_named_in_its_sources_field(service: Service, key: str) -> None:
    require_service(f"Debian's chromium ({CHROMIUM}; `apt-get install chromium`)", CHROMIUM.exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{service.url}/")
            page.fill("#api-key", key)
            page.fill("#query", "Data Scientist")
            page.fill("#post_time", "30")
            page.fill("#sources", "linkedin, lever:globex\nashby:initech")
            page.click("#submit")
            page.wait_for_selector("#results .card", timeout=120_000)

            by_source = page.locator("#by-source li").all_inner_texts()
            assert [line.split(":")[0] for line in by_source] == ["linkedin", "lever", "ashby"]
            assert by_source[1].startswith("lever:globex: listed")
            details = page.locator("#results .card .details").all_inner_texts()
            assert any(" per " in line for line in details)  # a pay range, with its interval
            assert any(word in " ".join(details) for word in ("remote", "hybrid", "on-site"))
            assert page.locator("#results .card .details a[href^='http']").count() > 0  # apply links
            page.fill("#sources", "monster")
            page.click("#submit")
            page.wait_for_selector("#error:not([hidden])", timeout=30_000)
            assert page.inner_text("#error").startswith("sources:")
            assert errors == []
        finally:
            browser.close()
