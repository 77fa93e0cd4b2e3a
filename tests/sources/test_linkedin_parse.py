"""The LinkedIn parser on LinkedIn's real guest markup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jobmatch.models import JobRef
from jobmatch.sources.linkedin import ParseError, parse_posting, parse_search_page


def _ref(job_id: str, **card: object) -> JobRef:
    return JobRef(source="linkedin", job_id=job_id, url=f"https://www.linkedin.com/jobs/view/{job_id}", **card)


def test_search_fragment_gives_ten_cards_with_ids_links_and_dates(linkedin_fixtures: Path) -> None:
    html = (linkedin_fixtures / "search_fragment__maeldk_apify__us_software.html").read_text()
    refs = parse_search_page(html)
    assert len(refs) == 10
    assert len({ref.job_id for ref in refs}) == 10
    first = refs[0]
    assert first.job_id == "4411180329"
    assert first.url == "https://www.linkedin.com/jobs/view/4411180329"  # tracking query and slug gone
    assert first.title == "Software Development Engineer II, Delivery Choice"
    assert first.company == "Amazon"
    assert first.location == "Minneapolis, MN"
    assert first.posted_at == date(2026, 6, 4)
    assert all(ref.title and ref.company and ref.location and ref.posted_at for ref in refs)


def test_search_page_links_follow_the_configured_base_url(linkedin_fixtures: Path) -> None:
    html = (linkedin_fixtures / "search_fragment__maeldk_apify__us_software.html").read_text()
    refs = parse_search_page(html, "http://127.0.0.1:8765")
    assert refs[0].url == "http://127.0.0.1:8765/jobs/view/4411180329"


def test_new_listing_date_class_is_read() -> None:
    html = """<!DOCTYPE html><li><div class="base-card base-search-card job-search-card"
      data-entity-urn="urn:li:jobPosting:123"><h3 class="base-search-card__title"> Nurse </h3>
      <h4 class="base-search-card__subtitle"><a> Mercy </a></h4>
      <span class="job-search-card__location">Austin, TX</span>
      <time class="job-search-card__listdate--new" datetime="2026-11-24">2 hours ago</time></div></li>"""
    (ref,) = parse_search_page(html)
    assert (ref.job_id, ref.title, ref.company, ref.posted_at) == ("123", "Nurse", "Mercy", date(2026, 11, 24))


def test_empty_page_gives_no_cards() -> None:
    assert parse_search_page("") == []
    assert parse_search_page("<!DOCTYPE html>") == []


def test_posting_fragment_keeps_lines_and_criteria(linkedin_fixtures: Path) -> None:
    html = (linkedin_fixtures / "jobposting_fragment__maeldk_apify__notion_4406118990.html").read_text()
    posting = parse_posting(html, _ref("4406118990", posted_at=date(2026, 6, 1)))
    assert posting.title == "Software Engineer, New Grad"
    assert posting.company == "Notion"
    assert posting.location == "San Francisco, CA"
    assert posting.posted_at == date(2026, 6, 1)  # from the card: the page gives only "1 week ago"
    assert posting.employment_type == "Full-time"
    assert posting.seniority == "Not Applicable"
    assert posting.job_function == "Engineering and Information Technology"
    assert posting.industries == "Software Development"
    assert not posting.closed
    lines = posting.description.splitlines()
    assert lines[0] == "Who We Are"  # <br><br> paragraphs become lines of their own
    assert len(lines) > 20
    assert "<" not in posting.description and "&amp;" not in posting.description


def test_closed_posting_is_flagged_and_bullets_become_lines(linkedin_fixtures: Path) -> None:
    html = (
        linkedin_fixtures / "jobposting_fragment_CLOSED__madslorentzen_aijobsearch__orbis_4345841651.html"
    ).read_text()
    posting = parse_posting(html, _ref("4345841651"))
    assert posting.closed
    assert posting.title == "Agentic AI Engineer - Full remote - Europe"
    assert posting.company == "Orbis Group"
    assert posting.employment_type == "Contract"
    assert "- Designing and building agentic & multi-agent systems" in posting.description.splitlines()


def test_full_job_page_reads_the_job_not_the_similar_jobs(linkedin_fixtures: Path) -> None:
    html = (linkedin_fixtures / "jobview_full_page__dinie_coverletterer__heidi_4411867124.html").read_text()
    posting = parse_posting(html, _ref("4411867124"))
    assert posting.title == "Senior Software Engineer - Developer Experience"
    assert posting.company == "Heidi"
    assert posting.location == "Melbourne, Victoria, Australia"
    assert posting.seniority == "Mid-Senior level"
    assert posting.description.startswith("Who We Are\nHealthcare needs a better rhythm")


def test_page_without_description_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no job description"):
        parse_posting("<html><body><h1>Sign in</h1></body></html>", _ref("1"))


def test_description_markup_is_text_not_html() -> None:
    html = """<div class="description__text"><div class="show-more-less-html__markup">
      <p>Intro &amp; more</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>
      <ul><li>Python</li><li>SQL</li></ul></div></div>"""
    posting = parse_posting(html, _ref("9", title="T", company="C"))
    assert posting.description.splitlines() == ["Intro & more", "<script>alert(1)</script>", "- Python", "- SQL"]
    assert (posting.title, posting.company) == ("T", "C")  # the card fills what the page lacks
