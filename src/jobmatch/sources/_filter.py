"""Which postings of a whole company board a search keeps: the rule a job board's own search would apply."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from jobmatch.models import JobPosting, JobRef, SearchQuery, WorkplaceType

# Words a title search ignores: joiners, and seniority (a "Senior Data Scientist" search still wants the data
# scientists; the ranker weighs the level).
_IGNORED = frozenset(
    "a an and at for in of on or the to with & - / , "
    "senior sr junior jr staff lead principal associate entry mid level i ii iii iv".split()
)
# Abbreviations titles use, read as their words on both sides.
_ABBREVIATIONS = {
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "sre": "site reliability engineer",
    "swe": "software engineer",
    "sde": "software development engineer",
    "qa": "quality assurance",
    "hr": "human resources",
    "rn": "registered nurse",
    "lpn": "licensed practical nurse",
    "np": "nurse practitioner",
    "ux": "user experience",
    "pm": "product manager",
    "sdr": "sales development representative",
    "bdr": "business development representative",
    "ae": "account executive",
    "cpa": "certified public accountant",
    "devops": "dev ops",
}
_REMOTE_WORDS = frozenset({"remote", "anywhere", "worldwide", "global", "distributed", "fully"})
_PLACE_ABBREVIATIONS = {
    "us": "united states",
    "usa": "united states",
    "uk": "united kingdom",
    "nyc": "new york city",
    "sf": "san francisco",
    "dc": "district of columbia",
}
_US_STATES = {
    "al": "alabama", "ak": "alaska", "az": "arizona", "ar": "arkansas", "ca": "california", "co": "colorado",
    "ct": "connecticut", "de": "delaware", "dc": "district of columbia", "fl": "florida", "ga": "georgia",
    "hi": "hawaii", "id": "idaho", "il": "illinois", "in": "indiana", "ia": "iowa", "ks": "kansas",
    "ky": "kentucky", "la": "louisiana", "me": "maine", "md": "maryland", "ma": "massachusetts", "mi": "michigan",
    "mn": "minnesota", "ms": "mississippi", "mo": "missouri", "mt": "montana", "ne": "nebraska", "nv": "nevada",
    "nh": "new hampshire", "nj": "new jersey", "nm": "new mexico", "ny": "new york", "nc": "north carolina",
    "nd": "north dakota", "oh": "ohio", "ok": "oklahoma", "or": "oregon", "pa": "pennsylvania",
    "ri": "rhode island", "sc": "south carolina", "sd": "south dakota", "tn": "tennessee", "tx": "texas",
    "ut": "utah", "vt": "vermont", "va": "virginia", "wa": "washington", "wv": "west virginia",
    "wi": "wisconsin", "wy": "wyoming",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9+#]+")
_COMPOUND = re.compile(r"[a-z0-9+#]+(?:-[a-z0-9+#]+)*")
_FILLER = re.compile(r"\b(?:greater|metropolitan|metro|region|bay area|area)\b")
_ALTERNATIVES = re.compile(r"[;|/]|\s+or\s+(?=[a-z])")


def matches_query(card: JobRef, query: SearchQuery, *, today: date | None = None) -> bool:
    """Whether a search keeps a posting read from a whole company board (LinkedIn's own search already applied it).

    - Title: every word of the query, apart from joiners ("and", "of") and seniority ("Senior", "Lead", "II"),
      is in the posting's title, in any order, as itself or a related form: Scientist/Science, Engineer/
      Engineering, Analyst/Analytics (the same first letters, at least 5 of them, differing only in the last
      4), abbreviations read as their words (ML = Machine Learning, SRE, RN, ...), hyphenated words joined or
      apart (Full-Stack = Fullstack = Full Stack). So "Data Scientist" keeps
      "Senior Data Scientist, Ads" and "Manager, Data Science", not "Office Manager", "Data Engineer" or
      "Research Scientist". The title alone counts: descriptions mention every role the job works with.
    - Location, when the search gives one: the location's first part ("New York" of "New York, NY") is in one
      of the posting's locations ("New York, NY; London" lists two); a country-wide search ("United States",
      "USA") keeps any place in a US state. A remote posting matches wherever its remote area covers the
      searched place: "Remote" alone (or worldwide) matches every location; "Remote - US" matches US places;
      "Remote - Canada" does not match New York. A search for "Remote" keeps remote postings only ("Remote, US":
      those whose remote area covers the US). A posting that names no place is kept (by a remote search only
      when it is remote).
    - Date: a posting dated D is kept when D is at most ceil(post_time) days before today (UTC). Dates carry no
      time of day, so a one-day search keeps yesterday's postings too; a posting with no date is kept.
    """
    return (
        _title_matches(card.title, query.query)
        and (not query.location or _location_matches(card, query.location))
        and _recent(card.posted_at, query.post_time, today or datetime.now(UTC).date())
    )


def _words(text: str) -> list[str]:
    """A title's words, abbreviations spelled out, and each hyphenated compound also joined ("front-end" gives
    "front", "end" and "frontend")."""
    words: list[str] = []
    for compound in _COMPOUND.findall(text.lower().replace("'s", "")):
        parts = [w for part in compound.split("-") if part for w in _ABBREVIATIONS.get(part, part).split()]
        words += parts
        if len(parts) > 1 and "-" in compound:
            words.append(compound.replace("-", ""))
    return words


def _wanted(query: str) -> list[list[list[str]]]:
    """The query's terms, each a list of alternatives, each alternative words that must all be in the title:
    "Full-Stack" is wanted as "fullstack", or as "full" and "stack"."""
    terms: list[list[list[str]]] = []
    for compound in _COMPOUND.findall(query.lower().replace("'s", "")):
        parts = [w for part in compound.split("-") if part for w in _ABBREVIATIONS.get(part, part).split()]
        kept = [part for part in parts if part not in _IGNORED]
        if "-" in compound and len(parts) > 1:
            terms.append([[compound.replace("-", "")], kept or parts])
        else:
            terms += [[[part]] for part in kept]
    if not terms:  # a query of seniority words alone ("Senior") asks for that level
        terms = [[[word]] for word in _words(query)]
    return terms


def _same_word(wanted: str, word: str) -> bool:
    if wanted == word or wanted.rstrip("s") == word.rstrip("s"):
        return True
    shared = len(_common_prefix(wanted, word))
    return min(len(wanted), len(word)) >= 5 and shared >= max(5, max(len(wanted), len(word)) - 4)


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def _title_matches(title: str, query: str) -> bool:
    words = _words(title)
    return all(
        any(all(any(_same_word(w, word) for word in words) for w in option) for option in term)
        for term in _wanted(query)
    )


def _location_matches(card: JobRef, location: str) -> bool:
    parts = [key for part in location.split(",") if (key := _place_key(part))]
    if not parts:
        return True
    remote_search = parts[0] == "remote"  # "Remote", or "Remote, US": remote work, within that area if named
    if remote_search:
        parts = parts[1:]
    remote_card = isinstance(card, JobPosting) and card.workplace_type is WorkplaceType.REMOTE
    places = [key for place in _ALTERNATIVES.split(card.location.lower()) if (key := _place_key(place, wider=True))]
    if not places:
        return remote_card or not remote_search  # unknown is not elsewhere: kept, as an undated posting is
    # The searched place, and the wider areas it lies in ("Austin, TX" lies in Texas and the United States).
    areas = {area for part in parts for area in (part, *_wider(part))}
    for place in places:
        if not remote_search and _contains(place, parts[0]):
            return True
        if remote_card or _is_remote(place):
            area = " ".join(word for word in place.split() if word not in _REMOTE_WORDS)
            if not area or not parts or any(_contains(area, wider) for wider in areas):
                return True
    return False


def _place_key(text: str, *, wider: bool = False) -> str:
    """A place's words, abbreviations and state codes spelled out ("Austin, TX" -> "austin texas"), "Greater" and
    "Area" dropped; with `wider`, the areas it lies in added ("austin texas united states")."""
    words = [_PLACE_ABBREVIATIONS.get(word, word) for word in _WORD.findall(text.lower())]
    if words and words[-1] in _US_STATES:
        words[-1] = _US_STATES[words[-1]]
    key = _FILLER.sub(" ", " ".join(words))
    key = " ".join(key.split())
    if wider:
        key = " ".join([key, *(area for area in _wider(key) if not _contains(key, area))])
    return key


def _wider(place: str) -> list[str]:
    if any(_contains(place, state) for state in _US_STATES.values()):
        return ["united states"]
    return []


def _is_remote(place: str) -> bool:
    return "remote" in place.split()


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


def _recent(posted: date | None, days: float, today: date) -> bool:
    return posted is None or (today - posted).days <= math.ceil(days)
