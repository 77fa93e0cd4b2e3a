"""Keyword evidence: the distinctive terms a posting and a resume share, and the posting's terms the resume lacks."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from jobmatch.ranking import _vocabulary
from jobmatch.ranking._stopwords import EVIDENCE_GENERIC, STOP, VERBS
from jobmatch.ranking._text import ABOUT_COMPANY, ABOUT_WORK, is_boilerplate_line
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


class PhraseIdf(Mapping[str, float]):
    """Smoothed IDF of a term across one search's postings, read from their word counts (the BM25 bags, which
    every ranking has anyway): a phrase is at most as common as its rarest word, so that word's IDF stands for it.
    This needs no term extraction from postings that are not shown."""

    def __init__(self, bags: Sequence[Counter[str]]) -> None:
        self._df: Counter[str] = Counter()
        for bag in bags:
            self._df.update(bag.keys())
        self._n = len(bags)

    def __getitem__(self, term: str) -> float:
        df = min((self._df.get(word, 0) for word in term.split(" ")), default=0)
        return math.log(1 + (self._n + 1) / (df + 0.5))

    def __iter__(self) -> Iterator[str]:
        return iter(self._df)

    def __len__(self) -> int:
        return len(self._df)


def evidence(
    posting_terms: Counter[str],
    resume: ResumeIndex,
    weights: Mapping[str, float],
    limit: int,
    boost: Mapping[str, float] | None = None,
) -> tuple[list[str], list[str]]:
    """(shared, missing): the posting's terms by distinctiveness (IDF across the postings, times how skill-like the
    term looks, see `keyword_terms`), split by whether the resume has them in any form ("data scientist" has "data
    science", "Microsoft Excel" has "Excel", "modelling" has "modeling"). A chosen phrase replaces the single words
    it contains ("machine learning" drops "learning")."""
    boost = boost or {}
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
        present = term in resume
        # A missing phrase whose every word the resume has ("build pipelines" vs "build data pipelines") is noise.
        if not present and " " in term and resume.has_words(term):
            continue
        _choose(term, stem_phrase(term), shared if present else missing, limit)
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


def _length_bonus(term: str) -> float:
    # A two-word phrase is more specific than either word; prefer it when both are equally distinctive.
    return 1.25 if " " in term else 1.0


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
    text = _CI_CD.sub("CICD", _INNER_DOT_RAW.sub("", text))
    counts: Counter[str] = Counter()
    boost: dict[str, float] = {}
    skill_section = skipping = False
    first = True
    for line in text.splitlines():
        line = line.strip()
        if not line or is_boilerplate_line(line.lower()) or (not first and _not_evidence(line)):
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
    r"(?:" + ABOUT_COMPANY + r"|who we are|how we work|why (?:this|join|work|you)|"
    r"our (?:company|story|mission|culture|values|"
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
_CI_CD = re.compile(r"\bCI\s*/\s*CD\b", re.IGNORECASE)
_INNER_DOT_RAW = re.compile(r"(?<=\w)[.'’](?=\w)")


def _is_heading_line(line: str) -> bool:
    if line.startswith(("-", "*", "•", "·")):
        return False  # a bullet, even "- Spark"
    bare = line.lstrip("#").strip()
    words_ = bare.split()
    if not words_ or len(words_) > 6 or re.search(r"[.,;!?]", bare):
        return False
    if ABOUT_WORK.match(bare):
        return True
    if len(words_) == 1:  # "Responsibilities", "Benefits", not "Kubernetes"
        return bool(_SKILL_HEADING.search(bare) or _SKIP_HEADING.match(bare) or _OTHER_HEADING.match(bare))
    return bare.isupper() or line.startswith("#") or bare.istitle()


# Acronyms and capitalised words that look like tools but are titles, calendar words or legal forms.
_NOT_SKILLS = frozenset(
    """ceo cfo cto coo cio cmo cpo vp svp evp avp eeo eoe usa us uk eu llc inc ltd corp plc gmbh pto faq asap tbd hq
    am pm est pst cst mst et pt id ok january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    mon tue wed thu fri sat sun fte w2 h1b c2c 1099 opt cpt ead gc cvpr eccv iccv iclr icml neurips kdd aaai acl
    emnlp naacl""".split()
)
# Lines about pay, benefits and work authorisation: whatever they name is not a skill.
_NOT_EVIDENCE_LINE = re.compile(
    r"medical (?:plan|coverage|benefits?)|\bppo\b|\bhmo\b|insurance|retirement|pension|sponsorship|sponsor|"
    r"work authori[sz]ation|visa|h-?1b|\bw-?2\b|corp to corp|\bc2c\b|salary|compensation|bonus|equity|holidays|"
    r"vacation|paid leave|relocation",
    re.IGNORECASE,
)
# The same for ASCII text lower-cased (case-insensitive matching of ASCII equals matching it lower-cased; other
# scripts have letters such as "ſ" that IGNORECASE equates with ASCII ones), and a word every match of it contains:
# most lines hold none, and need no regex search.
_NOT_EVIDENCE_LOWER = re.compile(_NOT_EVIDENCE_LINE.pattern)
_NOT_EVIDENCE_CUES = (
    "medical ppo hmo insurance retirement pension sponsor authori visa 1b w2 w-2 corp c2c salary compensation bonus "
    "equity holidays vacation paid relocation"
).split()


def _not_evidence(line: str) -> bool:
    """Whether a line is about pay, benefits or work authorisation."""
    if line.isascii():
        lowered = line.lower()
        return any(cue in lowered for cue in _NOT_EVIDENCE_CUES) and _NOT_EVIDENCE_LOWER.search(lowered) is not None
    return _NOT_EVIDENCE_LINE.search(line) is not None


# How much each kind of term says about fit, beside its rarity: named tools and fields first.
_KIND_BOOST = {"tool": 1.5, "field": 1.3, "knowledge": 1.2, "skill": 1.0}


_CREDENTIAL = frozenset("certified certification certifications certificate license licence licensed".split())


def _credential(
    tokens: list[str],
    normal: list[str],
    exclude: frozenset[str],
    line_boost: float,
    counts: Counter[str],
    boost: dict[str, float],
    covered: list[bool],
) -> None:
    """A certification or licence named around "certified", "certification" or "license": the capitalised or
    acronym words next to it ("AWS Certified Solutions Architect", "BLS certification", "RN license")."""
    for index, word in enumerate(normal):
        if word not in _CREDENTIAL:
            continue
        start = index
        while start > 0 and index - start < 3 and _named(tokens[start - 1], normal[start - 1], exclude):
            start -= 1
        end = index + 1
        while end < len(tokens) and end - index <= 3 and _named(tokens[end], normal[end], exclude):
            end += 1
        if end - start < 2:
            continue  # "certification" alone names nothing
        term = " ".join(normal[start:end])
        counts[term] += 1
        boost[term] = max(boost.get(term, 1.0), _SKILL_SHAPE * line_boost)
        for i in range(start, end):
            covered[i] = True


def _named(token: str, word: str, exclude: frozenset[str]) -> bool:
    return token[:1].isupper() and word not in _EVIDENCE_STOP and word not in exclude and word not in _NOT_SKILLS


def _clause_terms(
    clause: str,
    exclude: frozenset[str],
    dotted: set[str],
    line_boost: float,
    counts: Counter[str],
    boost: dict[str, float],
) -> None:
    """The evidence terms of one clause: skills the vocabulary knows (longest first), and single tokens shaped like
    a tool or credential (SQL, PyTorch, C++, Node.js, B2B) that it does not."""
    tokens = _RAW_WORD.findall(clause)
    if not tokens:
        return
    normal = [token.casefold() for token in tokens]  # the text is NFKC already, inner dots gone
    vocabulary = _vocabulary.skills()
    covered = [False] * len(tokens)
    _credential(tokens, normal, exclude, line_boost, counts, boost, covered)
    for found in vocabulary.find([_vocabulary.canon_word(word) for word in normal]):
        if any(covered[found.start : found.end]):
            continue
        surface = normal[found.start : found.end]
        if all(word in _EVIDENCE_STOP or word in _NOT_SKILLS or word in exclude for word in surface):
            continue
        if found.end - found.start == 1 and found.start == 0 and surface[0] in _CLAUSE_START_VERBS:
            continue  # "Design A/B tests": a duty, not the skill "design"
        if _vocabulary.is_practitioner(surface[-1]) and (len(surface) == 1 or surface[-1].endswith("s")):
            continue  # "engineers", "work with data scientists": people, not a skill ("data scientist" is one)
        term = " ".join(surface)
        if term not in counts:  # one surface per skill: "data scientists" counts as "data scientist"
            term = next((other for other in counts if _vocabulary.canon(other) == found.key), term)
        counts[term] += 1
        shape = max(_shape(token, at_start=index == 0) for index, token in enumerate(tokens[found.start : found.end]))
        kind = _KIND_BOOST.get(vocabulary.kinds[found.skill], 1.0)
        boost[term] = max(boost.get(term, 1.0), kind * line_boost * (1.2 if shape > 1 else 1.0))
        for index in range(found.start, found.end):
            covered[index] = True
    for index, (token, word) in enumerate(zip(tokens, normal, strict=True)):
        if covered[index] or not any(ch.isalpha() for ch in word) or not _good_word(word, exclude):
            continue
        shape = _shape(token, at_start=index == 0)
        if shape < _SKILL_SHAPE and _stem(word) not in dotted:
            continue
        if word in _NOT_SKILLS or len(word) < 2 or word[0].isdigit() or (word.endswith("s") and word[:-1] in exclude):
            continue  # "50k+", "9s"; "UNSW's" when UNSW is the employer
        counts[word] += 1
        boost[word] = max(boost.get(word, 1.0), _SKILL_SHAPE * line_boost)


class ResumeIndex:
    """What a resume says, for evidence look-ups: every run of one to four words inside one clause, in canonical form
    (see `_vocabulary.canon`), and the vocabulary's skills among them, so any variant of a skill counts."""

    __slots__ = ("keys", "skills")

    def __init__(self, text: str) -> None:
        vocabulary = _vocabulary.skills()
        self.keys: set[str] = set()
        for clause in _CLAUSE.split(_INNER_DOT_RAW.sub("", unicodedata.normalize("NFKC", text))):
            ws = [_vocabulary.canon_word(token.casefold()) for token in _RAW_WORD.findall(clause)]
            for i in range(len(ws)):
                for size in range(1, min(4, len(ws) - i) + 1):
                    self.keys.add(" ".join(ws[i : i + size]))
        self.skills: set[int] = {skill for key in self.keys for skill in vocabulary.ids(key)}

    def __contains__(self, term: object) -> bool:
        """Whether the resume has `term` (a posting's term, as shown) in any of its forms."""
        if not isinstance(term, str):
            return False
        key = _vocabulary.canon(term)
        return key in self.keys or not self.skills.isdisjoint(_vocabulary.skills().ids(key))

    def has_words(self, term: str) -> bool:
        """Whether the resume has every word of `term`, wherever."""
        return all(word in self.keys for word in _vocabulary.canon(term).split())


def resume_index(text: str) -> ResumeIndex:
    return ResumeIndex(text)
