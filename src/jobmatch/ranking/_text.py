"""Preparing text for the model: what a posting is about (title, duties, requirements), minus boilerplate.

all-MiniLM-L6-v2 reads only the first 256 word pieces of a text (`Settings.embed_max_tokens`), so what comes first
matters: "about us" openings, benefits and equal-opportunity paragraphs are dropped before embedding, and the title
is embedded as a field of its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

from jobmatch.ranking._stopwords import STOP

# "About Acme" introduces the company; "About the role", "About this job" and "About you" introduce the work and
# what it asks for, and must not be taken for it.
_WORK = r"\s+(?:the\s+|this\s+)?(?:role|job|position|opportunity|you)\b"
ABOUT_COMPANY = r"about\b(?!" + _WORK + ")"
# Such a heading is often written as a plain line ("About the role"), which no other heading test takes for one.
ABOUT_WORK = re.compile(r"about" + _WORK + r"\W*$", re.IGNORECASE)
# Section headings whose sections say nothing about the work itself.
_BOILERPLATE_HEADING = re.compile(
    r"^(?:" + ABOUT_COMPANY + r"|who we are|our (?:company|story|mission|culture|values|benefits|commitment)|"
    r"why (?:join|work)|"
    r"benefits|perks|what we offer|we offer|compensation|salary|pay (?:range|transparency)|total rewards|"
    r"equal (?:employment )?opportunit|eeo|diversity|inclusion|accommodation|disclaimer|privacy|legal|"
    r"how to apply|application process|next steps|additional information|life at|working at|join us)",
    re.IGNORECASE,
)
# Lines that are boilerplate wherever they appear.
_BOILERPLATE_LINE = re.compile(
    r"equal (?:employment )?opportunity|affirmative action|without regard to|regardless of (?:race|age|gender)|"
    r"sexual orientation|gender identity|protected veteran|veteran status|national origin|reasonable accommodat|"
    r"e-verify|background check|drug[- ]free|401\s?\(?k\)?|paid time off|\bpto\b|dental|vision insurance|"
    r"health insurance|parental leave|stock options|tuition reimbursement|wellness program|"
    r"we are committed to (?:diversity|creating|building|providing)|click apply|apply now|"
    r"recruitment agencies|unsolicited resumes|privacy (?:policy|notice)|pay range|salary range|"
    r"\$\s?\d[\d,.]*\s?(?:k|-|–|to|per|/)",
    re.IGNORECASE,
)
# The same, for text already lower-cased (several times faster than IGNORECASE on every line).
_BOILERPLATE_LOWER = re.compile(_BOILERPLATE_LINE.pattern)
# A word every match of _BOILERPLATE_LINE contains: a line without any of them needs no regex search (most lines;
# the search dominated the time of a warm ranking).
_BOILERPLATE_CUES = (
    "opportunit affirmative regard orientation identity veteran origin accommodat verify background drug 401 "
    "paid pto dental insurance leave stock tuition wellness committed apply agencies unsolicited privacy range $"
).split()
_CONTACT = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|linkedin\.com\S*|\+?\d[\d\s().-]{7,}\d")


def clean_posting(description: str) -> str:
    """The description without boilerplate sections and lines; the text itself when cleaning would leave nothing."""
    kept: list[str] = []
    skipping = False
    raw_lines = description.splitlines()
    whole = description.lower()
    lowered = whole.splitlines()
    if len(lowered) == len(raw_lines):
        cued = _cued_lines(whole)
    else:  # cannot happen with str.lower, but never pair the wrong lines
        lowered = [line.lower() for line in raw_lines]
        cued = set(range(len(lowered)))  # the cues only spare searches: search every line
    for index, raw in enumerate(raw_lines):
        line = raw.strip()
        if not line:
            continue
        if _is_heading(line):
            skipping = bool(_BOILERPLATE_HEADING.match(line.lstrip("#*-• ").strip()))
            if not skipping:
                kept.append(line)
            continue
        if skipping or (index in cued and _BOILERPLATE_LOWER.search(lowered[index])):
            continue
        kept.append(line)
    cleaned = "\n".join(kept)
    return cleaned if len(cleaned) >= 0.2 * len(description.strip()) else description.strip()


def _cued_lines(text: str) -> set[int]:
    """The numbers of the lines of `text` (lower-cased) that hold a cue: one scan of the text per cue, instead of
    testing every cue on every line."""
    ends = list(accumulate(map(len, text.splitlines(keepends=True))))
    found: set[int] = set()
    for cue in _BOILERPLATE_CUES:  # no cue holds a line break, so each occurrence is inside one line
        at = text.find(cue)
        while at >= 0:
            found.add(bisect_right(ends, at))
            at = text.find(cue, at + 1)
    return found


def is_boilerplate_line(lowered: str) -> bool:
    """Whether a lower-cased line is boilerplate wherever it appears (benefits, equal opportunity, pay ranges)."""
    return any(cue in lowered for cue in _BOILERPLATE_CUES) and _BOILERPLATE_LOWER.search(lowered) is not None


def posting_body(title: str, description: str) -> str:
    """The posting text the model reads: title first, then the description (cleaned by the caller if wanted)."""
    return f"{title.strip()}\n{description.strip()}".strip()


def resume_body(text: str) -> str:
    """The resume text the model reads: contact details (emails, phones, links) removed so skills come sooner."""
    lines = (_CONTACT.sub(" ", line).strip(" |,;·•-") for line in text.splitlines())
    return "\n".join(" ".join(line.split()) for line in lines if line.strip(" |,;·•-")).strip() or text.strip()


def passages(text: str, count: int, size: int = 150) -> list[str]:
    """Up to `count` consecutive passages of about `size` words (about what the model reads of a text)."""
    tokens = text.split()
    if count <= 1 or len(tokens) <= size:
        return [text]
    return [" ".join(tokens[start : start + size]) for start in range(0, min(len(tokens), count * size), size)]


def _is_heading(line: str) -> bool:
    bare = line.lstrip("#*-• ").rstrip()
    # The shape first: most lines fail it at their first words, and counting the words reads the whole line.
    return (
        bool(bare)
        and (
            bare.endswith(":")
            or ABOUT_WORK.match(bare) is not None
            or bare.isupper()
            or line.startswith("#")
            or (bare.istitle() and not bare.endswith((".", ",", ";")))
        )
        and len(bare.split()) <= 8
    )


# Head nouns of job titles: a phrase ending in one of these names an occupation.
_TITLE_NOUNS = frozenset(
    """engineer engineers developer developers programmer scientist analyst manager designer architect consultant
    administrator admin specialist tester lead director officer executive assistant associate coordinator accountant
    auditor advocate lawyer attorney paralegal counsel nurse physician doctor therapist pharmacist dentist teacher
    lecturer professor instructor trainer coach recruiter technician mechanic electrician operator supervisor clerk
    representative agent writer editor marketer strategist researcher intern chef cook driver planner buyer controller
    economist statistician artist photographer producer salesperson secretary receptionist cashier founder president
    vp cto ceo cfo dba sre devops owner estimator surveyor draftsman draughtsman foreman welder machinist pilot
    underwriter banker broker trader investigator inspector librarian counselor counsellor psychologist
    dietitian nutritionist pmo scrum tutor""".split()
)
_LABEL = re.compile(
    r"^\s*(?:current\s+)?(?:designation|job\s*title|title|position|role|headline|profile|applying\s+for|"
    r"post\s+applied\s+for|desired\s+(?:position|role))\s*[:\-–]\s*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)
_CLAUSE = re.compile(r"\s[-–—|•]\s|[,;:()\[\]\n|•]")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z.+#&-]*")
# Words that end a title phrase when met to its left: labels and section names, not qualifiers.
_NOT_QUALIFIER = frozenset(
    "description designation company role title position profile details summary objective experience".split()
)


def target_title(resume: str) -> str:
    """The job title a resume aims at, or "" when it states none.

    Looks, in order, for a labelled title ("Designation: ...", "Title: ..."), a short early line that is a job title
    (many resumes start with a name, so the first line alone is not it), and the job-title phrase the resume repeats
    most. Never raises; a resume with no headline simply gets "".
    """
    for match in _LABEL.finditer(resume[:4000]):
        title = _title_phrase(match.group(1))
        if title:
            return title
    lines = [line.strip() for line in resume.splitlines() if line.strip()]
    for line in lines[:15]:
        if len(line.split()) <= 7 and not _CONTACT.search(line) and not any(ch.isdigit() for ch in line):
            title = _title_phrase(line)
            if title and len(title.split()) >= len(line.split()) - 2:
                return title
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for index, phrase in enumerate(_title_phrases(resume)):
        counts[phrase] += 1
        first_seen.setdefault(phrase, index)
    if not counts:
        return ""
    return max(counts, key=lambda phrase: (counts[phrase], len(phrase.split()), -first_seen[phrase]))


def _title_phrase(text: str) -> str:
    """The first job-title phrase in `text` (up to three qualifiers and a head noun), else ""."""
    return next(iter(_title_phrases(text[:200])), "")


def _title_phrases(text: str) -> list[str]:
    # A title never spans punctuation: "Company B - Java Developer" names a "Java Developer".
    return [phrase for segment in _CLAUSE.split(text) for phrase in _segment_titles(segment)]


def _segment_titles(text: str) -> list[str]:
    tokens = _TOKEN.findall(text)
    phrases: list[str] = []
    for index, token in enumerate(tokens):
        if token.lower().rstrip(".") not in _TITLE_NOUNS:
            continue
        start = index
        capitalised = token[0].isupper()
        while start > 0 and index - start < 3:
            previous = tokens[start - 1].lower()
            # "... resolved network issues Aircraft Mechanic": a capitalised title's qualifiers are capitalised once
            # one is ("Oracle database Administrator" keeps its lower-case word).
            sentence_before = (
                capitalised and start < index and tokens[start][0].isupper() and tokens[start - 1][0].islower()
            )
            if (
                previous in STOP
                and previous not in {"senior", "junior", "lead"}
                or previous in _TITLE_NOUNS
                or previous in _NOT_QUALIFIER
                or len(previous) < 2
                or sentence_before
            ):
                break
            start -= 1
        words = tokens[start : index + 1]
        if len(words) >= 2 or token.lower() in {"advocate", "accountant", "nurse", "lawyer", "attorney", "teacher"}:
            phrases.append(" ".join(words))
    return phrases
