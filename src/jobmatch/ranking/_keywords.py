"""Keyword evidence: the distinctive terms a posting and a resume share, and the posting's terms the resume lacks."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from jobmatch.ranking._stopwords import EVIDENCE_GENERIC, STOP, VERBS
from jobmatch.ranking._text import _BOILERPLATE_LOWER
from jobmatch.ranking._words import normalise

# Where a phrase ends: sentence and list punctuation (a dot inside "Node.js" or "Ph.D." is not followed by a space).
_CLAUSE = re.compile(r"[,;:!?()\[\]|•·\n]|\.(?:\s|$)|\s[-–—/]\s")

_MIN_LEN = 2


def idf(documents: Sequence[Counter[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every term across `documents` (a term in all of them weighs little)."""
    frequency: Counter[str] = Counter()
    for terms in documents:
        frequency.update(terms.keys())
    n = len(documents)
    return {term: math.log(1 + (n + 1) / (df + 0.5)) for term, df in frequency.items()}


def evidence(
    posting_terms: Counter[str],
    resume_terms: Collection[str],
    weights: dict[str, float],
    limit: int,
    boost: Mapping[str, float] | None = None,
) -> tuple[list[str], list[str]]:
    """(shared, missing): the posting's terms by distinctiveness (IDF across the postings, times how skill-like the
    term looks, see `keyword_terms`), split by whether the resume has them (plurals folded: "models" = "model").
    A chosen phrase replaces the single words it contains ("machine learning" drops "learning")."""
    boost = boost or {}
    resume_keys = {stem_phrase(term) for term in resume_terms}
    scored = sorted(
        posting_terms,
        key=lambda term: (
            -(
                weights.get(term, 0.0)
                * (1 + math.log(posting_terms[term]))
                * _length_bonus(term)
                * boost.get(term, 1.0)
            ),
            term,
        ),
    )
    shared: list[str] = []
    missing: list[str] = []
    for term in scored:
        if len(shared) >= limit and len(missing) >= limit:
            break
        key = stem_phrase(term)
        present = key in resume_keys
        # A missing phrase whose every word the resume has ("build pipelines" vs "build data pipelines") is noise.
        if not present and " " in key and all(part in resume_keys for part in key.split(" ")):
            continue
        target = shared if present else missing
        _choose(term, key, target, limit)
    return shared, missing


def _choose(term: str, key: str, chosen: list[str], limit: int) -> None:
    parts = set(key.split(" "))
    replaced = False
    for index, other in enumerate(list(chosen)):
        other_parts = set(stem_phrase(other).split(" "))
        if other_parts < parts:
            # a phrase containing a chosen shorter term takes its place ("learning" -> "machine learning")
            if not replaced:
                chosen[index] = term
                replaced = True
            else:
                chosen[index] = ""
        elif parts <= other_parts or len(parts & other_parts) >= 2:
            return  # "python" after "python developer", "model" after "models", overlapping three-word phrases
    if replaced:
        chosen[:] = [item for item in chosen if item]
    elif len(chosen) < limit:
        chosen.append(term)


def _good(word: str, exclude: frozenset[str]) -> bool:
    return len(word) >= _MIN_LEN and word not in STOP and word not in exclude and not word.isdigit()


def _length_bonus(term: str) -> float:
    # A two-word phrase is more specific than either word; prefer it when both are equally distinctive.
    return 1.25 if " " in term else 1.0


def _covered(term: str, chosen: list[str]) -> bool:
    # Avoid listing "python" next to "python developer": the phrase already says it.
    parts = term.split(" ")
    for other in chosen:
        other_parts = other.split(" ")
        if set(parts) <= set(other_parts) or set(other_parts) <= set(parts):
            return True
    return False


# ---------------------------------------------------------------- keyword evidence a job seeker can trust
#
# Candidates are single words and noun phrases of two or three words inside one clause (a phrase never crosses a
# comma, full stop, bullet or line break), none of them a stop word, a generic job-ad word or a duty verb, and no
# phrase ending in an adjective ("clear written"). Terms that look like skills in the original text (acronyms,
# mixed case, C++ / C# / Node.js, capitalised words inside a clause) and terms of requirement, qualification and
# skills lines weigh more.

_SKILL_HEADING = re.compile(
    r"qualif|requirement|skills?\b|what you(?:'|’)?ll (?:bring|need)|must.have|nice.to.have|you have|about you|"
    r"preferred|technolog|tech stack|tools|certif|education|competenc|we(?:'|’)?re looking for|bonus",
    re.IGNORECASE,
)
_HEADING_LINE = re.compile(r"^[#*\-•\s]*([A-Za-z][^:]{0,60}):\s*(.*)$")
_RAW_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*[+#]*")
_DOTTED = re.compile(r"[^\W_]+(?:\.[^\W_]+)+[+#]*")
_ADJECTIVE_END = re.compile(r"(?:ed|ive|ful|ous|able|ible|less)$")
_SKILL_SHAPE, _NAME_SHAPE, _SKILL_LINE = 2.0, 1.4, 1.4


_EVIDENCE_STOP = STOP | EVIDENCE_GENERIC | VERBS


def _stem(word: str) -> str:
    """A plural folded to its singular, roughly ("models" -> "model", "companies" -> "company"), for matching."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def stem_phrase(term: str) -> str:
    return " ".join(_stem(part) for part in term.split(" "))


def _shape(token: str, at_start: bool) -> float:
    """How much a raw token looks like a skill, tool or credential."""
    if token.isalpha():
        if token.islower():
            return 1.0
        if len(token) >= 2 and not token[1:].islower():
            return _SKILL_SHAPE  # SQL, AWS, PyTorch, HubSpot
        return 1.0 if at_start else _NAME_SHAPE  # Spark, Python, Kubernetes inside a sentence
    if token.endswith(("+", "#")) or sum(ch.isupper() for ch in token) >= 2:
        return _SKILL_SHAPE  # C++, C#, GD&T
    if any(ch.isdigit() for ch in token) and any(ch.isalpha() for ch in token):
        return _SKILL_SHAPE  # B2B, EC2, S3
    return 1.0


def _good_word(word: str, exclude: frozenset[str]) -> bool:
    return (
        len(word) >= _MIN_LEN
        and any(ch.isalpha() for ch in word)
        and word not in _EVIDENCE_STOP
        and word not in exclude
        and not (len(word) > 4 and word.endswith("ly"))
    )


def keyword_terms(text: str, exclude: frozenset[str] = frozenset()) -> tuple[Counter[str], dict[str, float]]:
    """(term counts, term boosts) of a posting (title on the first line): the keyword candidates and how much
    each looks like a skill, tool or credential (>= 1; see `evidence`). Boilerplate sections and lines, places
    and `exclude` (the company's name) are left out."""
    text = unicodedata.normalize("NFKC", text)
    dotted = {_stem(normalise(m).replace(".", "")) for m in _DOTTED.findall(text)}
    text = _INNER_DOT_RAW.sub("", text)
    counts: Counter[str] = Counter()
    boost: dict[str, float] = {}
    skill_section = skipping = False
    first = True
    for line in text.splitlines():
        line = line.strip()
        if not line or _BOILERPLATE_LOWER.search(line.lower()):
            continue
        if first:  # the posting's title: never a heading
            first = False
            for clause in _CLAUSE.split(line):
                _clause_terms(clause, exclude, dotted, 1.0, counts, boost)
            continue
        heading = _HEADING_LINE.match(line)
        line_boost = 1.0
        bare = line.lstrip("#*-• ")
        if _SKIP_HEADING.match(bare) and (
            heading or _is_heading_line(line) or (bare.lower().startswith("about ") and len(bare.split()) <= 6)
        ):
            skipping = True  # "About Acme", "How we work:", "Benefits": nothing about the skills wanted
            continue
        if heading and (not heading.group(2) or len(heading.group(1).split()) <= 4):
            skipping = False
            is_skill = bool(_SKILL_HEADING.search(heading.group(1)))
            if not heading.group(2):  # a heading of its own: it sets the section
                skill_section = is_skill
                continue
            line_boost = _SKILL_LINE if is_skill else 1.0
            line = heading.group(2)
        elif _is_heading_line(line):
            skipping = False
            skill_section = bool(_SKILL_HEADING.search(line))
            continue
        if skipping:
            continue
        if skill_section:
            line_boost = _SKILL_LINE
        for clause in _CLAUSE.split(line):
            _clause_terms(clause, exclude, dotted, line_boost, counts, boost)
    return counts, boost


_SKIP_HEADING = re.compile(
    r"(?:about\b|who we are|how we work|why (?:this|join|work|you)|our (?:company|story|mission|culture|values|"
    r"benefits|commitment|team)|benefits|perks|what we offer|we offer|compensation|salary|pay\b|total rewards|"
    r"equal (?:employment )?opportunit|eeo|diversity|inclusion|accommodation|disclaimer|privacy|legal|how to apply|"
    r"application process|next steps|additional information|life at|working at|join us)",
    re.IGNORECASE,
)
_OTHER_HEADING = re.compile(r"(?:responsibilit|duties|overview|summary|role|description|the role|position)", re.I)
# Words that are a duty verb at the head of a bullet ("Design A/B tests") but a skill elsewhere ("curriculum design").
_CLAUSE_START_VERBS = frozenset(
    "design test plan report lead model market research schedule process program forecast review code present "
    "document partner own support".split()
)
_INNER_DOT_RAW = re.compile(r"(?<=\w)[.'’](?=\w)")


def _is_heading_line(line: str) -> bool:
    if line.startswith(("-", "*", "•", "·")):
        return False  # a bullet, even "- Spark"
    bare = line.lstrip("#").strip()
    words_ = bare.split()
    if not words_ or len(words_) > 6 or re.search(r"[.,;!?]", bare):
        return False
    if len(words_) == 1:  # "Responsibilities", "Benefits", not "Kubernetes"
        return bool(_SKILL_HEADING.search(bare) or _SKIP_HEADING.match(bare) or _OTHER_HEADING.match(bare))
    return bare.isupper() or line.startswith("#") or bare.istitle()


def _clause_terms(
    clause: str,
    exclude: frozenset[str],
    dotted: set[str],
    line_boost: float,
    counts: Counter[str],
    boost: dict[str, float],
) -> None:
    tokens = _RAW_WORD.findall(clause)
    run: list[tuple[str, float]] = []  # consecutive good words: (normalised word, shape)

    def flush() -> None:
        for i, (word, shape) in enumerate(run):
            _add(word, shape)
            if i >= 1:
                _add_phrase(run[i - 1 : i + 1])
            if i >= 2:
                _add_phrase(run[i - 2 : i + 1])
        run.clear()

    def _add(term: str, shape: float) -> None:
        counts[term] += 1
        boost[term] = max(boost.get(term, 1.0), shape * line_boost)

    def _add_phrase(parts: list[tuple[str, float]]) -> None:
        if _ADJECTIVE_END.search(parts[-1][0]) and parts[-1][1] == 1.0:
            return  # "clear written", "data driven": a phrase never ends in an adjective
        _add(" ".join(word for word, _ in parts), max(shape for _, shape in parts))

    for index, token in enumerate(tokens):
        word = token.casefold()  # the text is NFKC already, inner dots gone: what `normalise` would give
        if index == 0 and word in _CLAUSE_START_VERBS:
            flush()
            continue
        if _good_word(word, exclude) or (word == "learn" and index and tokens[index - 1].lower() == "scikit"):
            shape = _shape(token, at_start=index == 0)
            if shape == 1.0 and _stem(word) in dotted:
                shape = _SKILL_SHAPE  # Node.js, Vue.js read as "nodejs"
            run.append((word, shape))
        else:
            flush()
    flush()


def resume_index(text: str) -> Counter[str]:
    """Every word and two- and three-word run inside one clause of a resume (no stop list: it is only looked up)."""
    out: Counter[str] = Counter()
    for clause in _CLAUSE.split(normalise(text)):
        ws = _WORD_ONLY.findall(clause)
        for i, w in enumerate(ws):
            out[w] += 1
            if i >= 1:
                out[f"{ws[i - 1]} {w}"] += 1
            if i >= 2:
                out[f"{ws[i - 2]} {ws[i - 1]} {w}"] += 1
    return out


_WORD_ONLY = _RAW_WORD
