"""The backoff of requests tried again (the boards' HTTP, DynamoDB's transactions): exponential, capped, full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass

from jobmatch.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, interval * backoff**(n-1)))."""

    attempts: int = 3
    interval: float = 1.0
    backoff: float = 2.0
    max_delay: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The boards' requests."""
        return cls(settings.retry_attempts, settings.retry_interval, settings.retry_backoff, settings.retry_max_delay)

    @classmethod
    def for_transactions(cls, settings: Settings) -> RetryPolicy:
        """DynamoDB's transactions cancelled by a conflict."""
        return cls(settings.aws_transaction_attempts, settings.aws_transaction_interval, 2.0, settings.retry_max_delay)

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.interval * self.backoff ** (attempt - 1)))
