"""The ranker: one function the CLI, the pipeline, the API and the AWS analyzer all call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from pydantic import BaseModel, Field

from jobmatch.config import Settings, get_settings
from jobmatch.models import POSTING_DETAILS, JobPosting, Match
from jobmatch.ranking import _encoder, _keywords, _vocabulary
from jobmatch.ranking._analysis import PostingText, analyse, resume_terms
from jobmatch.ranking._cache import EmbeddingCache, MemoryEmbeddingCache, embedding_key
from jobmatch.ranking._dedup import also_at, fold_duplicates
from jobmatch.ranking._lexical import bm25
from jobmatch.ranking._text import passages, posting_body, resume_body, target_title
from jobmatch.ranking._words import fired_weights

_NO_WEIGHTS: Mapping[str, float] = MappingProxyType({})


class Ranking(BaseModel):
    """The result of ranking: the top matches, best first, and what was left out."""

    matches: list[Match]
    filtered: int = Field(0, description="Postings removed by the company and title blocklists.")
    duplicates: int = Field(0, description="Reposts folded into another match (see Match.duplicates).")
    embedded: int = Field(0, description="Texts the model had to embed for this ranking (0 when all were cached).")
    resume_title: str = Field("", description="The job title read from the resume, compared with posting titles.")


# A posting body's cache key is this, the boilerplate flag, then the posting's title and description: bump the
# version when what the model reads of a posting changes (clean_posting, posting_body).
_BODY_KEY = "posting body v3 strip="


class _Text:
    """A text to embed, given or computed only if its vector is not cached."""

    __slots__ = ("_text", "_make")

    def __init__(self, text: str | Callable[[], str]) -> None:
        self._text = text if isinstance(text, str) else None
        self._make = None if isinstance(text, str) else text

    def get(self) -> str:
        if self._text is None and self._make is not None:
            self._text = self._make()
        return self._text or ""


@dataclass(frozen=True, slots=True)
class _Query:
    """The resume as the model reads it: its passages, its opening words and the job title it aims at."""

    passages: list[str]
    opening: str
    title: str

    def texts(self) -> list[str]:
        return [*self.passages, *(text for text in (self.opening, self.title) if text)]


@dataclass(frozen=True, slots=True)
class _Scored:
    index: int
    raw: float
    similarity: float
    adjusted: float
    fired: dict[str, float]


class Ranker:
    """Ranks postings against a resume; the model loads lazily, once per process, only when a text lacks a vector."""

    def __init__(self, settings: Settings | None = None, cache: EmbeddingCache | None = None) -> None:
        self.settings = settings or get_settings()
        self.cache: EmbeddingCache = cache if cache is not None else MemoryEmbeddingCache()
        self.model_id = _encoder.model_id(self.settings)

    def embed_postings(self, postings: Sequence[JobPosting]) -> int:
        """Embed whatever text of `postings` the cache lacks and store it; returns how many texts were embedded."""
        _, embedded = self._vectors(dict(field for posting in postings for field in self._posting_fields(posting)))
        return embedded

    def rank(
        self,
        resume_text: str,
        postings: Sequence[JobPosting],
        *,
        word_scores: Mapping[str, float] = _NO_WEIGHTS,
        top_n: int | None = None,
        company_blocklist: Sequence[str] = (),
        title_blocklist: Sequence[str] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> Ranking:
        """The `top_n` postings that best fit the resume, ordered by adjusted score.

        raw score = (1 - λ) * weighted mean of cosines (resume vs posting text; resume vs posting title; the resume's
        target title vs posting title; the resume's opening words vs posting title) + λ * BM25 scaled to [0, 1]
        within these postings, λ = rank_lexical_weight; then, with feedback weight g = rank_feedback_weight,
        (that + g * likeness to the best-scoring share of the postings) / (1 + g): see `_feedback`.
        adjusted score = raw score times each `word_scores` multiplier whose term or phrase the posting contains
        (once per term; case- and punctuation-insensitive whole words, see `jobmatch.ranking._words`).
        """
        settings = self.settings
        top_n = top_n if top_n is not None else settings.top_n
        kept, filtered = _apply_blocklists(postings, company_blocklist, title_blocklist)
        resume_title = target_title(resume_text) if settings.rank_target_title_weight > 0 else ""
        if not kept:
            return Ranking(matches=[], filtered=filtered, resume_title=resume_title)

        query = self._query(resume_text, resume_title)
        fields = [self._posting_fields(posting) for posting in kept]
        wanted = {embedding_key(text): _Text(text) for text in query.texts()}
        wanted.update(field for pair in fields for field in pair)
        vectors, embedded = self._vectors(wanted, progress)
        body = np.vstack([vectors[pair[0][0]] for pair in fields])
        titles = np.vstack([vectors[pair[1][0]] for pair in fields])

        folded: dict[int, list[int]] = {}
        if settings.dedup_similarity <= 1 and len(kept) > 1:
            survivors, folded = fold_duplicates(kept, body, _Shingles(kept), settings.dedup_similarity)
        else:
            survivors = list(range(len(kept)))

        similarity, dense = self._dense(query, vectors, body, titles, [posting.title for posting in kept])
        resume_index, resume_bag = resume_terms(resume_text)
        candidates = _best(dense, survivors, settings.rank_lexical_candidates)
        analyses = {index: analyse(kept[index]) for index in candidates}
        raw = self._fuse_lexical(dense, resume_bag, analyses)
        raw = _feedback(raw, survivors, body, titles, settings)
        scored = _weigh(raw, similarity, survivors, kept, word_scores)

        term_weights = _keywords.PhraseIdf([a.bag for a in analyses.values()])
        matches = [
            self._match(rank, item, kept, analyse(kept[item.index]), resume_index, term_weights, folded)
            for rank, item in enumerate(scored[:top_n], 1)
        ]
        return Ranking(
            matches=matches,
            filtered=filtered,
            duplicates=sum(len(group) for group in folded.values()),
            embedded=embedded,
            resume_title=resume_title,
        )

    def _query(self, resume_text: str, resume_title: str) -> _Query:
        settings = self.settings
        cleaned = resume_body(resume_text)
        # The resume's opening (summary, skills or latest role) says what the person does, as a title would.
        opening = _opening(cleaned, settings.rank_resume_opening_words) if settings.rank_opening_weight else ""
        return _Query(passages(cleaned, settings.rank_resume_passages), opening, resume_title)

    def _dense(
        self,
        query: _Query,
        vectors: Mapping[str, np.ndarray],
        body: np.ndarray,
        titles: np.ndarray,
        posting_titles: Sequence[str],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(resume vs posting text cosine, the weighted mean of all the model's cosines) per posting."""
        settings = self.settings
        resume_vector = np.mean([vectors[embedding_key(passage)] for passage in query.passages], axis=0)
        resume_vector /= max(float(np.linalg.norm(resume_vector)), 1e-12)
        similarity = body @ resume_vector
        dense = similarity.copy()
        total = 1.0
        fields = [
            (settings.rank_opening_weight, query.opening),
            (settings.rank_target_title_weight, query.title),
        ]
        for weight, text in fields:
            if weight > 0 and text:
                dense += weight * (titles @ vectors[embedding_key(text)])
                total += weight
        if settings.rank_title_weight > 0:
            dense += settings.rank_title_weight * (titles @ resume_vector)
            total += settings.rank_title_weight
        if settings.rank_occupation_weight > 0 and query.title:
            agreement = _occupation_agreement(query.title, posting_titles)
            if agreement is not None:
                dense += settings.rank_occupation_weight * agreement
                total += settings.rank_occupation_weight
        return similarity, dense / total

    def _fuse_lexical(
        self, dense: np.ndarray, resume_bag: Counter[str], analyses: Mapping[int, PostingText]
    ) -> np.ndarray:
        """(1 - λ) * dense + λ * BM25 scaled to [0, 1] within the candidates (`analyses`; 0 for the others),
        λ = rank_lexical_weight."""
        weight = self.settings.rank_lexical_weight
        if weight <= 0:
            return dense
        scores = bm25(resume_bag, [a.bag for a in analyses.values()])
        peak = float(scores.max()) if len(scores) else 0.0
        lexical = np.zeros_like(dense)
        lexical[list(analyses)] = scores / peak if peak > 0 else scores
        return (1 - weight) * dense + weight * lexical

    def _match(
        self,
        rank: int,
        item: _Scored,
        kept: Sequence[JobPosting],
        analysis: PostingText,
        resume_index: _keywords.ResumeIndex,
        term_weights: Mapping[str, float],
        folded: dict[int, list[int]],
    ) -> Match:
        posting = kept[item.index]
        shared, missing = _keywords.evidence(
            analysis.terms, resume_index, term_weights, self.settings.keywords_shown, analysis.boost
        )
        return Match(
            rank=rank,
            source=posting.source,
            job_id=posting.job_id,
            url=posting.url,
            title=posting.title,
            company=posting.company,
            location=posting.location,
            posted_at=posting.posted_at,
            **posting.model_dump(include=set(POSTING_DETAILS)),
            score=round(item.adjusted, 6),
            raw_score=round(item.raw, 6),
            similarity=round(item.similarity, 6),
            fired_weights=item.fired,
            matched_keywords=shared,
            missing_keywords=missing,
            duplicates=[kept[i].job_id for i in folded.get(item.index, [])],
            also_at=also_at(posting, [kept[i] for i in folded.get(item.index, [])]),
            closed=posting.closed,
        )

    def _posting_fields(self, posting: JobPosting) -> tuple[tuple[str, _Text], tuple[str, _Text]]:
        """((key, body), (key, title)): what the model reads of a posting, by cache key. The body (title, then the
        description without boilerplate) is keyed by the posting's own text, so a ranking whose vectors are all
        cached never reads or cleans a description; the title is keyed by itself."""
        strip = self.settings.rank_strip_boilerplate
        raw = f"{_BODY_KEY}{int(strip)}\x1f{posting.title}\x1f{posting.description}"
        body = _Text(lambda: posting_body(posting.title, analyse(posting).body if strip else posting.description))
        title = posting.title.strip()
        return (embedding_key(raw), body), (embedding_key(title), _Text(title)) if title else (embedding_key(raw), body)

    def _vectors(
        self, texts: Mapping[str, _Text], progress: Callable[[int, int], None] | None = None
    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors by key: from the cache, else the text embedded now and stored."""
        found = self.cache.load_embeddings(self.model_id, list(texts))
        missing = [key for key in texts if key not in found]
        if missing:
            fresh = _encoder.encode(self.settings, [texts[key].get() for key in missing], progress)
            new = dict(zip(missing, fresh, strict=True))
            self.cache.save_embeddings(self.model_id, new)
            found.update(new)
        return found, len(missing)


def _feedback(
    scores: np.ndarray, survivors: Sequence[int], body: np.ndarray, titles: np.ndarray, settings: Settings
) -> np.ndarray:
    """`scores` blended with pseudo-relevance feedback: (score + g * likeness) / (1 + g), where likeness is a
    posting's cosine with the centroid of the best-scoring postings (title vectors by rank_feedback_title_share,
    text vectors for the rest).

    The resume is one noisy query (a name, an education list, a skills dump); the postings it matches best share
    what the job is. Their centroid is a second query: postings like them rise, postings unlike them fall.
    Measured on bench/quality.py against no feedback, with the best 5: Google pool +0.056 nDCG@10 (as given) and
    +0.037 (first line removed), Monster pool +0.010 and +0.027. The earlier best 5% of the postings helped Google
    more but cost Monster 0.034 and 0.013. Full weight with half the likeness from titles scored 0.001 to 0.009
    higher on three of the four pool variants, but when a resume's first matches were wrong (a database
    administrator's "Systems Administrator" postings) it pulled in more of the same: three occupations fell below
    the original beyond noise, against one at half weight from the text alone.
    """
    weight, count = settings.rank_feedback_weight, settings.rank_feedback_postings
    if weight <= 0 or len(survivors) < 2 * count:
        return scores
    pool = np.asarray(survivors)
    best = pool[np.argsort(-scores[pool], kind="stable")[:count]]
    likeness = np.zeros_like(scores)
    share = settings.rank_feedback_title_share
    for vectors, part in ((body, 1 - share), (titles, share)):
        if part > 0:
            centroid = vectors[best].mean(axis=0)
            likeness += part * (vectors @ centroid) / max(float(np.linalg.norm(centroid)), 1e-12)
    return (scores + weight * likeness) / (1 + weight)


def _occupation_agreement(resume_title: str, posting_titles: Sequence[str]) -> np.ndarray | None:
    """How far each posting's occupation agrees with the resume's (ESCO occupations of their titles): the same
    occupation 1, else by ISCO-08 group: the unit group 1/2, minor 1/3, sub-major 1/6, else 0. ISCO's unit groups
    are broad ("sales and marketing managers"), so sharing one is not the same job. A title ESCO does not know gets
    the mean of the known; None when the resume's title is not known."""
    occupations = _vocabulary.occupations()
    mine = occupations.code(resume_title)
    if not mine:
        return None
    scores = np.full(len(posting_titles), np.nan)
    codes = {title: occupations.code(title) for title in set(posting_titles)}  # titles repeat across postings
    for index, title in enumerate(posting_titles):
        code = codes[title]
        if code:
            shared = next((n for n in (4, 3, 2) if code[:n] == mine[:n]), 0)
            scores[index] = 1.0 if code == mine else {4: 1 / 2, 3: 1 / 3, 2: 1 / 6}.get(shared, 0.0)
    known = ~np.isnan(scores)
    if not known.any():
        return None
    scores[~known] = float(scores[known].mean())
    return scores


def _best(scores: np.ndarray, survivors: Sequence[int], count: int) -> list[int]:
    """The `count` survivors with the highest scores (all of them when count is 0), in index order."""
    if count <= 0 or count >= len(survivors):
        return list(survivors)
    pool = np.asarray(survivors)
    return sorted(int(i) for i in pool[np.argpartition(-scores[pool], count - 1)[:count]])


def _weigh(
    raw: np.ndarray,
    similarity: np.ndarray,
    survivors: Sequence[int],
    kept: Sequence[JobPosting],
    word_scores: Mapping[str, float],
) -> list[_Scored]:
    """The surviving postings with their `word_scores` multipliers applied, best first."""
    scored: list[_Scored] = []
    for index in survivors:
        fired = fired_weights(analyse(kept[index]).text, word_scores) if word_scores else {}
        value = max(float(raw[index]), 0.0)
        adjusted = value
        for weight in fired.values():
            adjusted *= weight
        scored.append(_Scored(index, value, float(similarity[index]), adjusted, fired))
    scored.sort(key=lambda item: (-item.adjusted, item.index))
    return scored


def _opening(text: str, count: int) -> str:
    """The first `count` words of `text`."""
    return " ".join(text.split()[:count])


class _Shingles(Sequence[frozenset[str]]):
    """The postings' shingles, each computed only when dedup compares that posting (near-identical vectors)."""

    def __init__(self, postings: Sequence[JobPosting]) -> None:
        self._postings = postings

    def __len__(self) -> int:
        return len(self._postings)

    def __getitem__(self, index: int) -> frozenset[str]:  # type: ignore[override]
        return analyse(self._postings[index]).shingles


def _apply_blocklists(
    postings: Sequence[JobPosting], companies: Sequence[str], titles: Sequence[str]
) -> tuple[list[JobPosting], int]:
    """Postings whose company and title contain none of the blocked strings (case-insensitive), and how many went."""
    blocked_companies = [entry.casefold().strip() for entry in companies if entry.strip()]
    blocked_titles = [entry.casefold().strip() for entry in titles if entry.strip()]
    kept = [
        posting
        for posting in postings
        if not any(entry in posting.company.casefold() for entry in blocked_companies)
        and not any(entry in posting.title.casefold() for entry in blocked_titles)
    ]
    return kept, len(postings) - len(kept)
