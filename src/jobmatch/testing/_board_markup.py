"""HTML of the fake board, modeled on LinkedIn's guest pages: same class names, attributes and nesting a parser uses.

Only the structure is LinkedIn's; every template here is written for the board, and every piece of text goes
through `html.escape`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import quote

from jobmatch.models import JobPosting

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7])\s+")


@dataclass(frozen=True)
class Listing:
    """A posting as the board shows it: how old it is, the date on its card, how its description is styled."""

    posting: JobPosting
    age: int  # seconds since it was posted
    listed: date
    style: str  # "br" or "p", the two description styles LinkedIn serves
    applicants: str
    offsite: bool = False  # the apply button leads off LinkedIn (today's guest pages no longer say where)

    @property
    def job_id(self) -> str:
        return self.posting.job_id

    @property
    def slug(self) -> str:
        return job_slug(self.posting.title, self.posting.company)


def job_slug(title: str, company: str) -> str:
    """The slug of a job page URL: `<title>-at-<company>`."""
    return f"{slugify(title)}-at-{slugify(company)}"


def slugify(text: str) -> str:
    """LinkedIn's URL slug: lower case, spaces and punctuation become hyphens, other characters stay percent-encoded.

    Real slugs keep characters like "+" and "–" ("paramount%2B", "engineer-%E2%80%93-go"), so a parser must
    take the id from the digits after the last hyphen, not expect a tidy slug.
    """
    text = re.sub(r"[<>\"'`]", "", text.lower())
    text = re.sub(r"[\s,/()|.:;!?*#]+", "-", text)
    return quote(re.sub(r"-{2,}", "-", text).strip("-"), safe="-") or "job"


def view_url(base: str, listing: Listing) -> str:
    """The canonical job page URL, `<base>/jobs/view/<slug>-<id>`."""
    return f"{base}/jobs/view/{listing.slug}-{listing.job_id}"


def relative_time(seconds: int) -> str:
    """How LinkedIn words an age: "5 hours ago", "1 week ago", "3 months ago"."""
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("week", 7 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "Just now"


def description_html(text: str, style: str) -> str:
    """Plain text to LinkedIn's description markup: `<br>`-separated with `<strong>` headings, or `<p>`/`<ul>`."""
    blocks: list[tuple[str, list[str]]] = []  # (kind, lines) with kind in heading / para / list
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _BULLET.match(line):
            item = _BULLET.sub("", line)
            if blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(item)
            else:
                blocks.append(("list", [item]))
        elif len(line) <= 60 and line[-1] not in ".!?,;":
            blocks.append(("heading", [line]))
        else:
            blocks.append(("para", [line]))
    out: list[str] = []
    for kind, lines in blocks:
        if kind == "list":
            out.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in lines) + "</ul>")
        elif style == "br":
            text_html = escape(lines[0])
            out.append(f"<strong>{text_html}<br><br></strong>" if kind == "heading" else f"{text_html}<br><br>")
        else:
            inner = f"<strong>{escape(lines[0])}</strong>" if kind == "heading" else escape(lines[0])
            out.append(f"<p>{inner}</p>")
    return ("" if style == "br" else "<p><br></p>").join(out)


def _company_href(base: str, company: str, trk: str) -> str:
    return f"{base}/company/{slugify(company)}?trk={trk}"


def search_card(base: str, listing: Listing, index: int, position: int, ref_id: str, tracking_id: str) -> str:
    """One `<li>` of a search result page (the guest API fragment and the full search page share it)."""
    p = listing.posting
    href = (
        f"{view_url(base, listing)}?position={position}&pageNum=0"
        f"&refId={quote(ref_id, safe='')}&trackingId={quote(tracking_id, safe='')}"
    )
    new = listing.age < 86400
    time_class = "job-search-card__listdate--new" if new else "job-search-card__listdate"
    return f"""
      <li>
      <div class="base-card relative w-full hover:no-underline focus:no-underline
        base-card--link
         base-search-card base-search-card--link job-search-card" data-entity-urn="urn:li:jobPosting:{escape(p.job_id)}" data-impression-id="jobs-search-result-{index}" data-reference-id="{escape(ref_id)}" data-tracking-id="{escape(tracking_id)}" data-column="1" data-row="{position}">
        <a class="base-card__full-link absolute top-0 right-0 bottom-0 left-0 p-0 z-[2] outline-offset-[4px]" href="{escape(href)}" data-tracking-control-name="public_jobs_jserp-result_search-card" data-tracking-client-ingraph data-tracking-will-navigate>
          <span class="sr-only">
            {escape(p.title)}
          </span>
        </a>
        <div class="search-entity-media">
          <img class="artdeco-entity-image artdeco-entity-image--square-4" data-ghost-classes="artdeco-entity-image--ghost" alt>
        </div>
        <div class="base-search-card__info">
          <h3 class="base-search-card__title">
            {escape(p.title)}
          </h3>
            <h4 class="base-search-card__subtitle">
          <a class="hidden-nested-link" data-tracking-client-ingraph data-tracking-control-name="public_jobs_jserp-result_job-search-card-subtitle" data-tracking-will-navigate href="{escape(_company_href(base, p.company, "public_jobs_jserp-result_job-search-card-subtitle"))}">
            {escape(p.company)}
          </a>
            </h4>
<!---->
            <div class="base-search-card__metadata">
          <span class="job-search-card__location">
            {escape(p.location)}
          </span>
          <time class="{time_class}" datetime="{listing.listed.isoformat()}">
            {relative_time(listing.age)}
          </time>
<!---->
            </div>
        </div>
      </div>
      </li>"""


def search_fragment(cards: list[str]) -> str:
    """The guest search API's answer: a doctype, then bare `<li>` cards."""
    return "<!DOCTYPE html>\n" + "".join(cards) + "\n"


def _top_card(base: str, listing: Listing, full_page: bool) -> str:
    p = listing.posting
    title_class = (
        "top-card-layout__title font-sans text-lg papabear:text-xl font-bold leading-open "
        "text-color-text mb-0 topcard__title"
    )
    if full_page:
        title = f'<h1 class="{title_class}">{escape(p.title)}</h1>'
    else:
        title = (
            f'<a href="{escape(view_url(base, listing))}?trk=public_jobs_topcard-title" '
            f'data-tracking-control-name="public_jobs_topcard-title" class="topcard__link" '
            f'data-tracking-will-navigate>\n            <h2 class="{title_class}">{escape(p.title)}</h2>\n'
            f"          </a>"
        )
    posted_class = (
        "posted-time-ago__text posted-time-ago__text--new" if listing.age < 86400 else "posted-time-ago__text"
    )
    if p.closed:
        # A closed posting: LinkedIn shows the figure and leaves the call-to-action container empty.
        closed = """
    <figure class="closed-job closed-job__flavor topcard__flavor-row">
      <span class="closed-job__icon closed-job__icon--error-pebble lazy-load"></span>
      <figcaption class="closed-job__flavor--closed">No longer accepting applications</figcaption>
    </figure>"""
        cta = "<!---->"
    else:
        closed = ""
        offsite = listing.offsite
        icon = (
            '\n            <icon data-svg-class-name="apply-button__offsite-apply-icon-svg"></icon>' if offsite else ""
        )
        kind = "apply-link-offsite" if offsite else "apply-link-onsite"
        cta = f"""
        <button class="sign-up-modal__outlet top-card-layout__cta mt-2 ml-1.5 h-auto babybear:flex-auto top-card-layout__cta--primary btn-md btn-primary" data-tracking-client-ingraph data-tracking-control-name="public_jobs_contextual-sign-in-modal_ssr-ui-lib-outlet-button" data-modal="job-details-topcard-apply-modal">
            {"Apply" if offsite else "Easy Apply"}{icon}
        </button>
    <div class="contextual-sign-in-modal" data-impression-id="public_jobs_{kind}_contextual-sign-in-modal">
      <p class="contextual-sign-in-modal__join-now">New to LinkedIn? <a href="{escape(base)}/signup/cold-join?source=jobs_registration&amp;trk=public_jobs_{kind}_contextual-sign-in-modal_join-link" class="contextual-sign-in-modal__join-link">Join now</a></p>
    </div>"""
    return f"""
    <section class="top-card-layout container-lined overflow-hidden babybear:rounded-[0px]">
      <div class="top-card-layout__card relative p-2 papabear:p-details-container-padding">
      <a href="{escape(_company_href(base, p.company, "public_jobs_topcard_logo"))}" target="_self" data-tracking-control-name="public_jobs_topcard_logo" data-tracking-will-navigate>
      <img class="artdeco-entity-image artdeco-entity-image--square-5" data-ghost-classes="artdeco-entity-image--ghost" alt="{escape(p.company)}">
      </a>
          <div class="top-card-layout__entity-info-container flex flex-wrap papabear:flex-nowrap">
            <div class="top-card-layout__entity-info flex-grow flex-shrink-0 basis-0 babybear:flex-none babybear:w-full">
          {title}
<!---->
                <h4 class="top-card-layout__second-subline font-sans text-sm leading-open text-color-text-low-emphasis mt-0.5">
        <div class="topcard__flavor-row">
          <span class="topcard__flavor">
              <a class="topcard__org-name-link topcard__flavor--black-link" data-tracking-control-name="public_jobs_topcard-org-name" data-tracking-will-navigate href="{escape(_company_href(base, p.company, "public_jobs_topcard-org-name"))}" rel="noopener" target="_blank">
                {escape(p.company)}
              </a>
          </span>
            <span class="topcard__flavor topcard__flavor--bullet">
              {escape(p.location)}
            </span>
        </div>
        <div class="topcard__flavor-row">
        <span class="{posted_class} topcard__flavor--metadata">
      {relative_time(listing.age)}
        </span>
        <figure class="num-applicants__figure topcard__flavor--metadata topcard__flavor--bullet">
          <figcaption class="num-applicants__caption">
            {escape(listing.applicants)}
          </figcaption>
        </figure>
        </div>{closed}
                </h4>
              <div class="top-card-layout__cta-container flex flex-wrap mt-0.5 papabear:mt-0 ml-[-12px]">{cta}
              </div>
            </div>
          </div>
      </div>
    </section>"""


def _details(listing: Listing) -> str:
    p = listing.posting
    criteria = [
        ("Seniority level", p.seniority),
        ("Employment type", p.employment_type),
        ("Job function", p.job_function),
        ("Industries", p.industries),
    ]
    items = "".join(
        f"""
        <li class="description__job-criteria-item">
          <h3 class="description__job-criteria-subheader">
            {name}
          </h3>
          <span class="description__job-criteria-text description__job-criteria-text--criteria">
            {escape(value)}
          </span>
        </li>"""
        for name, value in criteria
        if value
    )
    return f"""
    <div class="decorated-job-posting__details">
<!---->
    <section class="core-section-container
        my-3 description">
      <div class="core-section-container__content break-words">
      <div class="description__text description__text--rich">
    <section class="show-more-less-html" data-max-lines="5">
        <div class="show-more-less-html__markup show-more-less-html__markup--clamp-after-5
            relative overflow-hidden">
          {description_html(p.description, listing.style)}
        </div>
    <button class="show-more-less-html__button show-more-less-button
        show-more-less-html__button--more
        ml-0.5" data-tracking-control-name="public_jobs_show-more-html-btn" aria-label="Show more" aria-expanded="false">
            Show more
    </button>
    </section>
      </div>
      <ul class="description__job-criteria-list">{items}
      </ul>
      </div>
    </section>
    </div>"""


def posting_fragment(base: str, listing: Listing) -> str:
    """The guest posting API's answer: top card (h2 title), description and criteria, no document around it."""
    return f"""
<!---->
{_top_card(base, listing, full_page=False)}
{_details(listing)}
<!---->
    <code id="decoratedJobPostingId" style="display: none"><!--"{escape(listing.job_id)}"--></code>
"""


def _similar_card(base: str, listing: Listing, index: int) -> str:
    p = listing.posting
    return f"""
                <li>
      <div class="base-card relative w-full hover:no-underline focus:no-underline
        base-card--link
         base-main-card flex flex-wrap py-1.5 pr-2 babybear:pr-0
        base-main-card--link
         main-job-card" data-entity-urn="urn:li:jobPosting:{escape(p.job_id)}" data-impression-id="similar-jobs-{index}">
        <a class="base-card__full-link absolute top-0 right-0 bottom-0 left-0 p-0 z-[2] outline-offset-[4px]" href="{escape(view_url(base, listing))}?trk=public_jobs_similar-jobs" data-tracking-control-name="public_jobs_similar-jobs" data-tracking-will-navigate>
          <span class="sr-only">
        {escape(p.title)}
          </span>
        </a>
        <div class="base-main-card__info self-center ml-1 flex-1 relative break-words papabear:min-w-0 mamabear:min-w-0 babybear:w-full">
          <h3 class="base-main-card__title line-clamp-1 font-sans text-md font-bold text-color-text overflow-hidden
              base-main-card__title--link">
        {escape(p.title)}
          </h3>
            <h4 class="base-main-card__subtitle body-text text-color-text overflow-hidden">
          <a class="hidden-nested-link outline-offset-[-1px]" href="{escape(_company_href(base, p.company, "public_jobs_similar-jobs_main-jobs-card-subtitle"))}">
            {escape(p.company)}
          </a>
            </h4>
              <div class="body-text text-color-text-low-emphasis base-main-card__metadata">
          <span class="main-job-card__location block mb-0.5 text-md leading-open font-normal text-color-text-low-emphasis">
            {escape(p.location)}
          </span>
          <time class="main-job-card__listdate text-color-text-low-emphasis font-normal
              text-sm leading-open" datetime="{listing.listed.isoformat()}">
      {relative_time(listing.age)}
          </time>
              </div>
        </div>
      </div>
                </li>"""


def _document(title: str, canonical: str, description: str, body: str) -> str:
    return f"""<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta name="pageKey" content="d_jobs_guest_details">
        <meta name="locale" content="en_US">
        <link rel="canonical" href="{escape(canonical)}">
    <title>{escape(title)}</title>
    <meta name="description" content="{escape(description)}">
      </head>
      <body dir="ltr">
    <header class="header base-detail-page__header px-mobile-container-padding bg-color-background-container global-alert-offset sticky-header">
      <nav class="nav" aria-label="Primary"><a class="nav__logo-link" href="/">LinkedIn</a></nav>
    </header>
{body}
      </body>
    </html>
"""


def job_page(base: str, listing: Listing, similar: list[Listing]) -> str:
    """The full job page: a document with canonical link, h1 title, the posting, and other jobs below it."""
    p = listing.posting
    similar_cards = "".join(_similar_card(base, other, i) for i, other in enumerate(similar))
    body = f"""
    <main class="main papabear:flex papabear:mx-auto papabear:pt-desktop-content-top-margin mamabear:pt-desktop-content-top-margin" id="main-content" role="main">
      <section class="core-rail mx-auto papabear:w-core-rail-width mamabear:max-w-[790px] babybear:max-w-[790px]">
        <div class="details mx-details-container-padding">
      <section class="sub-nav-cta global-alert-offset" data-impression-id="public_jobs_sub-nav-cta">
        <div class="sub-nav-cta__content">
          <div class="sub-nav-cta__text-container">
            <h3 class="sub-nav-cta__header">{escape(p.title)}</h3>
              <div class="sub-nav-cta__sub-text-container">
                  <span class="sub-nav-cta__meta-text">{escape(p.location)}</span>
              </div>
          </div>
        </div>
      </section>
{_top_card(base, listing, full_page=True)}
{_details(listing)}
    <section class="core-section-container
        my-3 similar-jobs">
          <h2 class="core-section-container__title section-title">
            Similar jobs
          </h2>
      <div class="core-section-container__content break-words">
      <div class="show-more-less">
        <ul data-max-num-to-show="6" class="show-more-less__list show-more-less__list--hide-after-6" data-impression-id="public_jobs_similar-jobs_show-more-less">{similar_cards}
        </ul>
      </div>
      </div>
    </section>
        </div>
      </section>
    </main>"""
    title = f"{p.company} hiring {p.title} in {p.location} | LinkedIn"
    summary = " ".join(p.description.split())[:140] + "\u2026See this and similar jobs on LinkedIn."
    return _document(title, view_url(base, listing), summary, body)


def search_page(base: str, cards: list[str], keywords: str, location: str) -> str:
    """The full search page (`/jobs/search`): the first cards in `ul.jobs-search__results-list`."""
    heading = f"{keywords or 'Jobs'} jobs in {location or 'Worldwide'}"
    body = f"""
    <main id="main-content" class="main" role="main">
      <section class="two-pane-serp-page__results-list">
        <h1 class="results-context-header__context">{escape(heading)}</h1>
        <ul class="jobs-search__results-list">{"".join(cards)}
        </ul>
      </section>
    </main>"""
    canonical = f"{base}/jobs/search?keywords={quote(keywords)}&location={quote(location)}"
    return _document(f"{heading} | LinkedIn", canonical, heading, body)


def wall_page(base: str, kind: str) -> str:
    """The sign-up or sign-in wall a blocked visitor is sent to."""
    heading = "Join LinkedIn" if kind == "signup" else "Sign in to view more jobs"
    body = f"""
    <main class="main" id="main-content" role="main">
      <section class="authwall-join-form">
        <h1 class="authwall-join-form__title">{escape(heading)}</h1>
        <form class="join-form" action="{escape(base)}/signup/cold-join" method="post">
          <input type="email" name="email-address" autocomplete="username">
          <button class="join-form__form-body-submit-button" type="submit">Agree &amp; Join</button>
        </form>
      </section>
    </main>"""
    return _document(
        f"{heading} | LinkedIn", f"{base}/{'signup/cold-join' if kind == 'signup' else 'authwall'}", heading, body
    )


def error_page(status: int, message: str) -> str:
    """A small page for errors and the 999 denial."""
    return f"<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><p>{escape(message)}</p></body></html>\n"


def index_page(base: str, count: int) -> str:
    """What a person opening the board in a browser sees first."""
    body = f"""
    <main class="main" id="main-content" role="main">
      <h1>jobmatch fake job board</h1>
      <p>{count} postings in LinkedIn's guest markup. Try <a href="{escape(base)}/jobs/search?keywords=engineer&amp;location=United%20States">a search</a>,
      the <a href="{escape(base)}/jobs-guest/jobs/api/seeMoreJobPostings/search?keywords=&amp;location=&amp;start=0">search API</a>
      or the <a href="{escape(base)}/_board/stats">stats</a>.</p>
    </main>"""
    return _document("jobmatch fake job board", f"{base}/", "A fake LinkedIn job board for offline use.", body)
