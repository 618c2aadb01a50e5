"""What a vendor call returns besides its value: cache state and rate information.

The pipeline returns an :class:`Outcome`; the route decides what goes on the wire. A fan-out over
several vendors merges their facts deterministically with :func:`merge_facts`: the answer is a
cache hit only when every part was, and the rate information is the most restrictive budget's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

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


NO_FACTS = Facts()
"""Nothing known about an answer's cache state or rate."""


class Outcome(Generic[T]):
    """A vendor call's value with its facts.

    An answer from the cache keeps the encoding it was stored as (:attr:`source`) and is decoded
    only when its value is first read: a route that can put an answer on the wire from its
    sources alone (:class:`gateway.routes.answers.AnswerBodies`) never decodes it.
    """

    __slots__ = ("_decode", "_value", "facts", "source")

    def __init__(self, value: T, facts: Facts = NO_FACTS) -> None:
        self._value: T | None = value
        self._decode: Callable[[bytes], T] | None = None
        self.facts = facts
        self.source: bytes | None = None
        """The cached encoding the value comes from, when it came from the cache."""

    @classmethod
    def from_cache(cls, source: bytes, decode: Callable[[bytes], T], facts: Facts) -> Outcome[T]:
        """An answer from the cache, decoded from ``source`` when its value is first read."""
        outcome: Outcome[T] = cls.__new__(cls)
        outcome._value = None
        outcome._decode = decode
        outcome.facts = facts
        outcome.source = source
        return outcome

    @property
    def value(self) -> T:
        """The answer (decoded from :attr:`source` on first use, when it came from the cache)."""
        if self._decode is not None:
            assert self.source is not None
            self._value = self._decode(self.source)
            self._decode = None
        return cast(T, self._value)

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
