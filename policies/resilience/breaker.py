"""Circuit breakers: after consecutive failures, fail fast; after a cool-down, let one probe in."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from policies.clock import SYSTEM_CLOCK, Clock


class BreakerState(StrEnum):
    """The classic three states."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerOpen(Exception):
    """The breaker is open: the call was not made. Retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"circuit open; retry after {retry_after:.1f}s")


@dataclass(frozen=True)
class BreakerSettings:
    """When a breaker opens and how long it stays open."""

    failure_threshold: int = 5
    """Consecutive failures that open the breaker."""
    open_seconds: float = 10.0
    """How long an open breaker fails fast before letting one probe through."""


class CircuitBreaker:
    """One breaker (per vendor credential). Not thread-safe; used on one event loop."""

    def __init__(self, settings: BreakerSettings, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._settings = settings
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """The current state."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.monotonic() - self._opened_at < self._settings.open_seconds:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def retry_after(self) -> float | None:
        """While open: seconds until a probe may go out; otherwise ``None``."""
        if self.state is not BreakerState.OPEN or self._opened_at is None:
            return None
        return self._settings.open_seconds - (self._clock.monotonic() - self._opened_at)

    def before_call(self) -> None:
        """Raise :class:`BreakerOpen` unless a call may go out now."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return
        now = self._clock.monotonic()
        opened_at = self._opened_at if self._opened_at is not None else now
        remaining = self._settings.open_seconds - (now - opened_at)
        raise BreakerOpen(max(remaining, 1.0))

    def record_success(self) -> None:
        """The vendor answered: close."""
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def release_probe(self) -> None:
        """The admitted call ended without a vendor outcome (refused locally, cancelled): let the
        next caller probe instead of leaving the breaker half-open forever."""
        self._probing = False

    def record_failure(self) -> None:
        """The vendor failed (5xx, timeout, unreachable): count, and open at the threshold."""
        self._failures += 1
        if self._probing or self._failures >= self._settings.failure_threshold:
            self._opened_at = self._clock.monotonic()
            self._probing = False


class CircuitBreakers:
    """Breakers by key, created on first use, at most ``max_entries`` of them.

    Past ``max_entries`` the least recently used closed breaker is forgotten (a new one starts
    closed, so nothing is lost but a count of failures below the threshold). Open and half-open
    breakers are kept while any closed one can go; only when every breaker is open is the least
    recently used forgotten anyway.
    """

    def __init__(
        self, settings: BreakerSettings, *, max_entries: int = 10_000, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self._settings = settings
        self._max_entries = max_entries
        self._clock = clock
        self._breakers: OrderedDict[str, CircuitBreaker] = OrderedDict()

    def get(self, key: str) -> CircuitBreaker:
        """The breaker for ``key`` (now the most recently used)."""
        breaker = self._breakers.get(key)
        if breaker is not None:
            self._breakers.move_to_end(key)
            return breaker
        if len(self._breakers) >= self._max_entries:
            self._evict_one()
        breaker = self._breakers[key] = CircuitBreaker(self._settings, clock=self._clock)
        return breaker

    def peek(self, key: str) -> CircuitBreaker | None:
        """The breaker for ``key`` if there is one, leaving the order of use as it is."""
        return self._breakers.get(key)

    def _evict_one(self) -> None:
        """Forget the least recently used closed breaker, else the least recently used one."""
        victim = next(
            (key for key, b in self._breakers.items() if b.state is BreakerState.CLOSED),
            next(iter(self._breakers)),
        )
        del self._breakers[victim]

    def states(self) -> dict[str, BreakerState]:
        """Every breaker's state, by key."""
        return {key: breaker.state for key, breaker in self._breakers.items()}

    def not_closed_by_group(self) -> dict[str, int]:
        """How many breakers are open or half-open, by the part of their key before ``:``."""
        counts: dict[str, int] = {}
        for key, state in self.states().items():
            group = key.split(":", 1)[0]
            counts[group] = counts.get(group, 0) + (state is not BreakerState.CLOSED)
        return counts
