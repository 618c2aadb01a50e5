"""Retries with exponential backoff and full jitter, bounded by a retry budget.

A retry budget (as in Finagle and gRPC) lets retries add at most a fixed share of extra load:
each first attempt deposits ``ratio`` tokens, each retry withdraws one. When a vendor is failing
everything, retries stop at that share instead of multiplying the load on it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from policies.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class RetryPolicy:
    """How idempotent vendor calls are retried."""

    max_attempts: int = 3
    """Attempts in all, the first included."""
    base_delay_seconds: float = 0.05
    """The first backoff ceiling; it doubles with each retry."""
    max_delay_seconds: float = 1.0
    """The largest backoff ceiling."""
    budget_ratio: float = 0.2
    """Retries may add at most this share of first attempts."""
    budget_floor_per_second: float = 1.0
    """Retries always allowed per second, so a quiet vendor can still be retried."""


def backoff_delays(policy: RetryPolicy, rng: random.Random | None = None) -> Iterator[float]:
    """Full-jitter delays before each retry: uniform in [0, min(max, base * 2**n)]."""
    chooser = rng or random.Random()  # noqa: S311 - jitter, not security
    for retry in range(policy.max_attempts - 1):
        ceiling = min(policy.max_delay_seconds, policy.base_delay_seconds * 2**retry)
        yield chooser.uniform(0, ceiling)


class RetryBudget:
    """Tokens for retries: earned by first attempts and by time, spent by retries."""

    def __init__(
        self, policy: RetryPolicy, capacity: float = 20.0, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._policy = policy
        self._capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._refilled_at = clock.monotonic()

    def record_attempt(self) -> None:
        """A first attempt was made: earn ``ratio`` of a retry."""
        self._refill()
        self._tokens = min(self._capacity, self._tokens + self._policy.budget_ratio)

    def try_spend(self) -> bool:
        """Take one retry from the budget, if there is one."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def _refill(self) -> None:
        now = self._clock.monotonic()
        earned = (now - self._refilled_at) * self._policy.budget_floor_per_second
        self._tokens = min(self._capacity, self._tokens + earned)
        self._refilled_at = now
