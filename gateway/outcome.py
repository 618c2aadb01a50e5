"""What a vendor call returns besides its value: cache state and rate information.

The pipeline returns an :class:`Outcome`; the route decides what goes on the wire. A fan-out over
several vendors merges their facts deterministically with :func:`merge_facts`: the answer is a
cache hit only when every part was, and the rate information is the most restrictive budget's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class CacheFacts:
    """Whether an answer came from the cache, how old it is, and whether it is stale (served past
    its TTL because the vendor could not give a fresh one)."""

    hit: bool
    age_seconds: int = 0
    stale: bool = False

    def headers(self) -> dict[str, str]:
        """``X-Cache`` (``HIT``, ``MISS`` or ``STALE``) and ``Age``."""
        state = "STALE" if self.stale else "HIT" if self.hit else "MISS"
        return {"X-Cache": state, "Age": str(self.age_seconds)}


@dataclass(frozen=True)
class RateFacts:
    """The vendor budget a call was admitted under, after it was admitted."""

    limit: int
    remaining: int
    period_seconds: float
    reset_seconds: int = 0

    def headers(self) -> dict[str, str]:
        """RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-03)."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.period_seconds:g}",
        }

    def restrictiveness(self) -> tuple[float, int, int]:
        """Sorts the most restrictive budget first: least left (as a share), then longest wait."""
        share = self.remaining / self.limit if self.limit else 0.0
        return (share, -self.reset_seconds, self.remaining)


@dataclass(frozen=True)
class Facts:
    """Cache state and rate information of one answer (either may be unknown)."""

    cache: CacheFacts | None = None
    rate: RateFacts | None = None

    def headers(self) -> dict[str, str]:
        """The response headers these facts call for."""
        headers: dict[str, str] = {}
        if self.cache is not None:
            headers.update(self.cache.headers())
        if self.rate is not None:
            headers.update(self.rate.headers())
        return headers


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A vendor call's value with its facts."""

    value: T
    facts: Facts = field(default_factory=Facts)

    def headers(self) -> dict[str, str]:
        """The response headers this outcome calls for."""
        return self.facts.headers()


def merge_facts(parts: Iterable[Facts]) -> Facts:
    """One set of facts for an answer made of several: a hit only when every cached part was
    (aged as the oldest), the most restrictive rate. Order does not matter."""
    parts = list(parts)
    caches = [p.cache for p in parts if p.cache is not None]
    rates = [p.rate for p in parts if p.rate is not None]
    cache = None
    if caches:
        hit = all(c.hit for c in caches)
        stale = any(c.stale for c in caches)
        age = max(c.age_seconds for c in caches if c.hit) if hit else 0
        cache = CacheFacts(hit, age, stale)
    rate = min(rates, key=RateFacts.restrictiveness) if rates else None
    return Facts(cache, rate)
