"""All settings, in one place: every value comes from a `JOBMATCH_*` environment variable or its default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Settings(BaseSettings):
    """jobmatch's settings; `Settings()` reads the environment, keyword arguments override it."""

    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".jobmatch")
    database_url: str = ""
    linkedin_url: str = "https://www.linkedin.com"
    # Company boards' public JSON APIs (sources `greenhouse:<board_token>`, `lever:<site>`, `lever:eu:<site>` for
    # Lever's EU instance, `ashby:<board_name>`); with linkedin_url, the only hosts jobmatch fetches from.
    greenhouse_url: str = "https://boards-api.greenhouse.io"
    lever_url: str = "https://api.lever.co"
    lever_eu_url: str = "https://api.eu.lever.co"
    ashby_url: str = "https://api.ashbyhq.com"

    # Politeness: a random pause between search pages (seconds, "MIN-MAX"), job pages in flight per host.
    page_delay: Annotated[tuple[float, float], NoDecode] = (2.0, 4.0)
    max_concurrency: int = Field(10, ge=1, le=100)
    request_timeout: float = Field(20.0, gt=0)
    # The browser jobmatch says it is; empty: a current desktop browser's, drawn per connection route from
    # fake-useragent's maintained set of real user agents (one hard-coded string ages, and marks every jobmatch alike).
    user_agent: str = ""
    # Proxies (http:// or https:// URLs, comma-separated) that requests rotate through, each with its own pace and
    # in-flight limit per board; a proxy answered 429 or 999 rests this many seconds while the others carry on.
    proxies: Annotated[tuple[str, ...], NoDecode] = ()
    proxy_rest_seconds: float = Field(60.0, ge=0)

    # Retries: the original Step Functions policy (3 attempts, 1 s, backoff x2, full jitter).
    retry_attempts: int = Field(3, ge=1, le=10)
    retry_interval: float = Field(1.0, ge=0)
    retry_backoff: float = Field(2.0, ge=1)
    retry_max_delay: float = Field(60.0, ge=0)

    # --- adaptive politeness ---
    # A host that answers 429, 999 or with Retry-After is paced: request starts at least an interval apart, one
    # interval per host shared by every request of the process (through Redis, by every worker). The first throttle
    # sets it to throttle_min_interval; a throttle of a pace that had not held yet multiplies it by throttle_backoff
    # (at most throttle_max_interval). Each healthy answer closes throttle_recovery of the distance down to
    # throttle_margin above the interval last throttled. (jobmatch.sources.Pacing has the whole rule.)
    throttle_backoff: float = Field(1.5, gt=1, le=10)
    throttle_recovery: float = Field(0.1, gt=0, lt=1)
    throttle_margin: float = Field(0.02, ge=0, le=1)
    throttle_min_interval: float = Field(0.1, gt=0)
    throttle_max_interval: float = Field(30.0, gt=0)
    # A request answered 429 or with Retry-After waits and tries again, without using up retry_attempts, until its
    # waits add up to this many seconds.
    throttle_max_wait: float = Field(300.0, ge=0)
    # Attempts at a search page (a page that fails them all is tried once more after the search's last page).
    search_retry_attempts: int = Field(5, ge=1, le=20)
    # --- end adaptive politeness ---

    # A stored posting older than this is fetched again when a search lists it.
    posting_max_age_days: float = Field(7.0, ge=0)
    # A search still running past this many seconds ends TIMED_OUT.
    execution_timeout: float = Field(3600.0, gt=0)
    # The embedded engine's runners renew their hold on their searches every third of this; a search whose runner
    # fell silent longer (killed, crashed, server restarted) is resumed by the server's runner, or, when the command
    # line ran it, ended with the reason. Two servers on one database each keep only their own searches.
    runner_lease_seconds: float = Field(10.0, gt=0)
    # How often the server checks that its runner process is alive and answers (a dead one is restarted at once).
    runner_check_interval: float = Field(1.0, gt=0)
    # A runner process that has not answered the server (a command, or that check) within this many seconds is
    # taken for hung: it is killed, and another takes its searches over once their leases lapse.
    runner_answer_timeout: float = Field(60.0, gt=0)

    model: str = DEFAULT_MODEL
    top_n: int = Field(25, ge=1, le=1000)

    # --- ranking ---
    # How the embedding model runs: torch fp32, torch with bf16 autocast, ONNX Runtime fp32 or int8-quantised;
    # "auto" is torch-bf16 on CPUs with AMX-BF16 (where it measured 2.7x faster), else torch fp32.
    embed_backend: Literal["auto", "torch", "torch-bf16", "onnx", "onnx-int8"] = "auto"
    # Word pieces the model reads of each text: all that all-MiniLM-L6-v2 reads (256). 192 scored higher on the
    # Google pool of bench/quality.py but not on Monster, where it left database administrators below the original
    # method beyond noise; at 256 no occupation of either pool is.
    embed_max_tokens: int = Field(256, ge=16, le=512)
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
    # centroid of the text vectors of the rank_feedback_postings best-scoring postings, so postings like the
    # resume's closest matches rise and unlike ones fall; skipped for searches of fewer than twice that many;
    # weight 0 = off. A fixed few, not a share: 5% of a large search of many occupations (bench/quality.py, Monster
    # pool) is more postings than the resume's occupation has, and their centroid pulled in the wrong ones. Half
    # weight and text only: when the first matches are wrong, their centroid pulls in fewer wrong ones (the README's
    # "How matches are ranked").
    rank_feedback_weight: float = Field(0.5, ge=0)
    rank_feedback_postings: int = Field(5, ge=1)
    # How much of the likeness is title to title (the rest is text to text).
    rank_feedback_title_share: float = Field(0.0, ge=0, le=1)
    # Drop "about us", benefits and equal-opportunity text before embedding.
    rank_strip_boilerplate: bool = True
    # Same company and word-shingle Jaccard similarity at least this: a repost, folded into the newest; 1.01 = off.
    dedup_similarity: float = Field(0.8, ge=0, le=1.01)
    # --- end ranking ---

    # --- api ---
    # Largest resume upload, and largest request body of any other kind (a search's JSON), in bytes.
    api_max_resume_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    api_max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Limits, so that one client cannot take the service (or the boards' patience) for itself; 0 = no limit.
    # Searches one key may have running at once (429 past it); `apikey create --max-running` overrides it per key.
    api_max_running_per_key: int = Field(3, ge=0)
    # Searches running at once on this service, all keys together (429 past it).
    api_max_running_total: int = Field(20, ge=0)
    # Requests one key may make in any minute (429 past it): ample for polling once a second, a web page and a CLI.
    api_requests_per_minute: int = Field(300, ge=0)
    # Resumes one key may keep (409 past it: delete one first).
    api_max_resumes_per_key: int = Field(20, ge=0)
    # Retry-After sent with a 429 for too many running searches: about how long a short search takes to end.
    api_busy_retry_after: int = Field(30, ge=1)
    # How long a process trusts an API key it has looked up (a revoked key stops working everywhere within this).
    api_key_cache_seconds: float = Field(5.0, ge=0)
    # executionArn = this prefix + the execution id, Step Functions' shape; GET accepts either form.
    api_arn_prefix: str = "arn:aws:states:local:000000000000:execution:jobmatch:"
    # The `jobmatch submit` client: which API it talks to, with which key, how often it polls (seconds).
    api_url: str = "http://127.0.0.1:8000"
    api_key: str = ""
    api_poll_interval: float = Field(1.0, gt=0, le=60)
    # --- end api ---

    # --- resumes ---
    # Caps on reading a resume (an upload or `--resume`), far above any real one (a few pages, a few thousand
    # characters) and far below what a crafted file needs to stall a process: a 0.65 MB DOCX expanding to 200 MB of
    # XML took 192 s and 3.8 GB; a 60 KB PDF of 60 pages sharing one stream gave 59 million characters. Past a size
    # cap the answer is 413, past the time or memory cap 422; each message names its setting.
    # DOCX: the sum of the zip members' sizes, and that sum over the compressed sizes, read from the zip directory
    # before anything is inflated (python-docx's own template is 0.8 MB at 24:1), and how many members.
    resume_max_expanded_bytes: int = Field(50 * 1024 * 1024, ge=1024 * 1024)
    resume_max_compression_ratio: float = Field(200.0, ge=10)
    resume_max_zip_members: int = Field(500, ge=20)
    # PDF pages, and characters of extracted text (more is refused, never cut: a cut resume ranks wrongly unseen).
    resume_max_pages: int = Field(20, ge=1)
    resume_max_chars: int = Field(100_000, ge=1000)
    # Each PDF or DOCX resume is read in a child process of its own (ranking/_resume_guard.py), killed after this
    # many seconds (its start-up, about 0.7 s, included), allowed to map this many bytes beyond its start-up
    # (RLIMIT_AS); at most this many at once per process. Plain text is read in the caller.
    resume_max_seconds: float = Field(10.0, gt=0)
    resume_max_memory_bytes: int = Field(1024 * 1024 * 1024, ge=128 * 1024 * 1024)
    resume_max_parallel: int = Field(2, ge=1, le=64)
    # --- end resumes ---

    # --- celery ---
    # Which runner drives searches: this process (embedded), Celery workers over Redis (celery), or the AWS state
    # machine (stepfunctions, which needs aws_state_machine_arn).
    engine: Literal["embedded", "celery", "stepfunctions"] = "embedded"
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
    # The serverless deployment (deploy/aws): the state machine the stepfunctions engine starts (its executions are
    # named by execution id), and how long DynamoDB keeps an execution's data (TTL).
    aws_state_machine_arn: str = ""
    aws_execution_ttl_days: float = Field(30.0, gt=0)
    # DynamoDB cancels a transaction that meets another on the same item (TransactionConflict): every scraper
    # Lambda settles its posting and bumps the execution's counters in one. A cancelled one is tried again, in all
    # up to this many attempts, the n-th retry after a random wait of up to interval * 2**(n-1) seconds (RetryPolicy).
    aws_transaction_attempts: int = Field(9, ge=1, le=20)
    aws_transaction_interval: float = Field(0.05, gt=0, le=5)

    @property
    def aws_execution_arn_prefix(self) -> str:
        """An execution's ARN is its state machine's with `:execution:` for `:stateMachine:`, then `:<name>`."""
        return self.aws_state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"

    @model_validator(mode="after")
    def _stepfunctions_arns(self) -> Settings:
        if self.engine != "stepfunctions":
            return self
        if ":stateMachine:" not in self.aws_state_machine_arn:
            raise ValueError(
                "aws_state_machine_arn: the stepfunctions engine needs the state machine's ARN "
                f"(arn:aws:states:<region>:<account>:stateMachine:<name>), got {self.aws_state_machine_arn!r}"
            )
        # On Step Functions the executionArn a client is given is the execution's real ARN.
        if "api_arn_prefix" not in self.model_fields_set:
            self.api_arn_prefix = self.aws_execution_arn_prefix
        return self

    # --- end aws ---

    # --- watches ---
    # Saved searches on a schedule. The shortest schedule allowed (seconds; a cron expression firing more often is
    # refused too), and how many watches one API key may keep.
    watch_min_interval: float = Field(3600.0, ge=60)
    watch_max_per_key: int = Field(20, ge=1, le=1000)
    # How often `jobmatch serve` looks for due watches and ended watch runs (seconds); 0 = never (system cron or
    # Celery beat runs `jobmatch watch run --due` instead).
    watch_poll_interval: float = Field(60.0, ge=0)
    # A posting is a repost of one the watch reported within this many days when the company and the title are the
    # same and the descriptions are at least `dedup_similarity` alike (word 3-gram Jaccard).
    watch_repost_window_days: float = Field(60.0, gt=0)
    # A notification that fails is tried this many times in all, this many seconds apart (then doubling).
    watch_notify_attempts: int = Field(3, ge=1, le=10)
    watch_notify_retry_delay: float = Field(2.0, ge=0)
    # Whether a notify URL may point at this machine or a private network (loopback, 10/8, 192.168/16, link-local):
    # off, so no API key can make the server send requests into its own network; on for a self-hosted mail server
    # or webhook next to it.
    watch_notify_private_hosts: bool = False
    # The address people reach this API at, for the links in notifications and feeds (default: api_url).
    watch_public_url: str = ""
    # AWS: EventBridge Scheduler's schedule group and the role it assumes to start the state machine.
    aws_scheduler_group: str = "default"
    aws_scheduler_role_arn: str = ""
    # --- end watches ---

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

    @field_validator("proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return tuple(part for part in value.replace(",", " ").split()) if isinstance(value, str) else value

    @field_validator("proxies")
    @classmethod
    def _check_proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"expected http(s)://[user:password@]host:port proxy URLs, got {url!r}")
        return value

    @field_validator("linkedin_url", "greenhouse_url", "lever_url", "lever_eu_url", "ashby_url")
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
    def board_urls(self) -> tuple[str, ...]:
        """Every configured job board's base URL."""
        return (self.linkedin_url, self.greenhouse_url, self.lever_url, self.lever_eu_url, self.ashby_url)

    @property
    def allowed_origins(self) -> frozenset[tuple[str, str, int]]:
        """(scheme, host, port) of each job board's base URL: the only places a request or a redirect may go."""
        return frozenset(origin(url) for url in self.board_urls)


def origin(url: str) -> tuple[str, str, int]:
    """A URL's (scheme, host, port), the port filled in from the scheme when the URL names none."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port out of range or not a number: no board has it
        port = -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme, -1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
