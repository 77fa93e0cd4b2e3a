"""All settings, in one place: every value comes from a `JOBMATCH_*` environment variable or its default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """jobmatch's settings; `Settings()` reads the environment, keyword arguments override it."""

    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".jobmatch")
    database_url: str = ""
    linkedin_url: str = "https://www.linkedin.com"

    # Politeness: a random pause between search pages (seconds, "MIN-MAX"), job pages in flight per host.
    page_delay: Annotated[tuple[float, float], NoDecode] = (2.0, 4.0)
    max_concurrency: int = Field(10, ge=1, le=100)
    request_timeout: float = Field(20.0, gt=0)
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    )

    # Retries: the original Step Functions policy (3 attempts, 1 s, backoff x2, full jitter).
    retry_attempts: int = Field(3, ge=1, le=10)
    retry_interval: float = Field(1.0, ge=0)
    retry_backoff: float = Field(2.0, ge=1)
    retry_max_delay: float = Field(60.0, ge=0)

    # A stored posting older than this is fetched again when a search lists it.
    posting_max_age_days: float = Field(7.0, ge=0)
    # A search still running past this many seconds ends TIMED_OUT.
    execution_timeout: float = Field(3600.0, gt=0)

    model: str = DEFAULT_MODEL
    top_n: int = Field(25, ge=1, le=1000)

    # --- ranking ---
    # How the embedding model runs: torch fp32, torch with bf16 autocast, ONNX Runtime fp32 or int8-quantised;
    # "auto" is torch-bf16 on CPUs with AMX-BF16 (where it measured 2.7x faster), else torch fp32.
    embed_backend: Literal["auto", "torch", "torch-bf16", "onnx", "onnx-int8"] = "auto"
    # Word pieces the model reads of each text. all-MiniLM-L6-v2 reads at most 256; 192 ranked better on
    # bench/quality.py (a posting's opening says what the job is) and embeds about a quarter faster.
    embed_max_tokens: int = Field(192, ge=16, le=512)
    embed_batch_size: int = Field(32, ge=1, le=1024)
    # Keywords listed per match, shared and missing each.
    keywords_shown: int = Field(10, ge=0, le=100)
    # Score = weighted mean of cosines (resume vs posting text, resume vs posting title, resume's target title vs
    # posting title, resume's opening words vs posting title), then mixed with BM25 (scaled to [0, 1] within the
    # search) by rank_lexical_weight.
    # Defaults are what measured best on bench/quality.py.
    rank_title_weight: float = Field(0.0, ge=0)
    rank_target_title_weight: float = Field(0.5, ge=0)
    rank_lexical_weight: float = Field(0.1, ge=0, le=1)
    # Occupations as a field: the ISCO group of the resume's target title and of each posting's title (ESCO titles),
    # their agreement (same unit group 1, minor 2/3, sub-major 1/3, else 0) added to the cosines with this weight.
    rank_occupation_weight: float = Field(0.25, ge=0)
    # BM25 is computed over this many postings, the best by the model's score (0 = all): the text of the others is
    # never read, so a warm ranking of thousands of postings costs little more than one of hundreds.
    rank_lexical_candidates: int = Field(300, ge=0)
    # The resume's opening words (contact details removed) compared with posting titles, and how many words.
    rank_opening_weight: float = Field(0.5, ge=0)
    rank_resume_opening_words: int = Field(30, ge=5, le=200)
    # The resume is read in this many passages (the model sees 256 word pieces of each); their mean vector is used.
    rank_resume_passages: int = Field(1, ge=1, le=8)
    # Pseudo-relevance feedback: score = (score + weight * likeness) / (1 + weight), likeness = cosine with the
    # centroid (text and title vectors) of the rank_feedback_postings best-scoring postings, so postings like the
    # resume's closest matches rise and unlike ones fall; skipped for searches of fewer than twice that many;
    # weight 0 = off. A fixed few, not a share: 5% of a large search of many occupations (bench/quality.py, Monster
    # pool) is more postings than the resume's occupation has, and their centroid pulled in the wrong ones.
    rank_feedback_weight: float = Field(1.0, ge=0)
    rank_feedback_postings: int = Field(5, ge=1)
    # How much of the likeness is title to title (the rest is text to text).
    rank_feedback_title_share: float = Field(0.5, ge=0, le=1)
    # Drop "about us", benefits and equal-opportunity text before embedding.
    rank_strip_boilerplate: bool = True
    # Same company and word-shingle Jaccard similarity at least this: a repost, folded into the newest; 1.01 = off.
    dedup_similarity: float = Field(0.8, ge=0, le=1.01)
    # --- end ranking ---

    # --- api ---
    # Largest resume upload, and largest request body of any other kind (a search's JSON), in bytes.
    api_max_resume_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    api_max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Searches one key may have running at once (429 past it); 0 = no limit. `apikey create --max-running` overrides.
    api_max_running_per_key: int = Field(0, ge=0)
    # executionArn = this prefix + the execution id, Step Functions' shape; GET accepts either form.
    api_arn_prefix: str = "arn:aws:states:local:000000000000:execution:jobmatch:"
    # The `jobmatch submit` client: which API it talks to, with which key, how often it polls (seconds).
    api_url: str = "http://127.0.0.1:8000"
    api_key: str = ""
    api_poll_interval: float = Field(1.0, gt=0, le=60)
    # --- end api ---

    # --- celery ---
    # Which runner drives searches: this process (embedded), or Celery workers over Redis (celery).
    engine: Literal["embedded", "celery"] = "embedded"
    # Redis: Celery's broker, and where workers share per-host politeness limits and search progress.
    broker_url: str = "redis://127.0.0.1:6379/0"
    # Task processes one `jobmatch worker` runs (each works one task at a time).
    worker_concurrency: int = Field(2, ge=1, le=64)
    # A task taken by a worker that vanished is handed out again after this many seconds (Redis visibility).
    celery_visibility_timeout: float = Field(300.0, gt=0)
    # A job-page slot, or a search's dispatch, held by a worker that vanished is freed after this many seconds.
    celery_lease_seconds: float = Field(30.0, gt=0)
    # How often each worker looks for searches past their deadline or ready to analyze but not analyzed.
    celery_sweep_interval: float = Field(30.0, gt=0)
    # --- end celery ---

    # --- aws ---
    # The serverless deployment (deploy/aws): the state machine the Initializer starts, the bucket resumes are
    # read from (object key `resumes/<resume_id>`), and how long DynamoDB keeps an execution's data (TTL).
    aws_state_machine_arn: str = ""
    aws_resume_bucket: str = ""
    aws_execution_ttl_days: float = Field(30.0, gt=0)
    # --- end aws ---

    require_services: bool = False

    @field_validator("page_delay", mode="before")
    @classmethod
    def _parse_delay(cls, value: object) -> object:
        if isinstance(value, str):
            low, sep, high = value.strip().partition("-")
            try:
                bounds = (float(low), float(high) if sep else float(low))
            except ValueError:
                raise ValueError(f"expected seconds as MIN-MAX (e.g. 2-4), got {value!r}") from None
            return bounds
        if isinstance(value, (int, float)):
            return (float(value), float(value))
        return value

    @field_validator("page_delay")
    @classmethod
    def _check_delay(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if low < 0 or high < low:
            raise ValueError(f"MIN-MAX must satisfy 0 <= MIN <= MAX, got {low}-{high}")
        return value

    @field_validator("linkedin_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"expected an http(s) base URL, got {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'jobmatch.sqlite'}"
        return self

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts jobmatch may fetch from: the configured job boards' base URLs, nothing else."""
        return frozenset({urlsplit(self.linkedin_url).hostname or ""})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
