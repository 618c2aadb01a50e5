"""What this replica saw of each tenant's calls to each vendor, for ``GET /v1/vendors``.

The pipeline tells one :class:`VendorActivity` about every cache lookup, every call a budget
admitted and every vendor failure it answered with. Recording is O(1) in process memory (no
Redis, no database, no lock: one event loop writes it), and bounded: a fixed ring of per-minute
counts per (tenant, vendor), at most ``max_pairs`` pairs, the least recently used forgotten
first. The figures are this replica's: each replica counts what it served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cachetools import LRUCache

from adapters.declaration import Op
from contract.errors import (
    GatewayError,
    RateLimited,
    VendorBusy,
    VendorCircuitOpen,
    VendorError,
    VendorFailure,
)
from contract.vendors import VendorErrorStatus
from policies.clock import SYSTEM_CLOCK, Clock

MINUTES_KEPT = 10
"""How many minutes of counts a ring keeps (the current one included)."""
RECORDED_FAILURES: tuple[type[GatewayError], ...] = (
    VendorError,
    VendorFailure,
    RateLimited,
    VendorCircuitOpen,
    VendorBusy,
)
"""Errors that say how a vendor is faring, kept as the last error: its failures (5xx, timeouts,
no connection), its refusals of the credential, answers we could not read, and the gateway's own
protections (a spent budget, an open breaker, no free connection). A vendor's deliberate answer
(404, 422, 402) and local preconditions are not."""
MAX_PAIRS = 10_000
"""(tenant, vendor) pairs whose figures are kept; the least recently used go first."""


class CacheResult(StrEnum):
    """How a cached read was answered."""

    HIT = "hit"
    MISS = "miss"
    STALE = "stale"


class MinuteCounts:
    """Counts per wall-clock minute over the last :data:`MINUTES_KEPT` minutes, in a fixed ring."""

    __slots__ = ("_counts", "_minutes")

    def __init__(self) -> None:
        self._counts = [0] * MINUTES_KEPT
        self._minutes = [-1] * MINUTES_KEPT

    def add(self, now: float) -> None:
        """Count one event at ``now`` (seconds since the epoch)."""
        minute = int(now // 60)
        slot = minute % MINUTES_KEPT
        if self._minutes[slot] != minute:
            self._minutes[slot] = minute
            self._counts[slot] = 0
        self._counts[slot] += 1

    def per_minute(self, now: float) -> list[int]:
        """The counts of the last :data:`MINUTES_KEPT` minutes, oldest first, ``now``'s last."""
        current = int(now // 60)
        minutes = range(current - MINUTES_KEPT + 1, current + 1)
        return [
            self._counts[m % MINUTES_KEPT] if self._minutes[m % MINUTES_KEPT] == m else 0
            for m in minutes
        ]

    def total(self, now: float) -> int:
        """The events of the last :data:`MINUTES_KEPT` minutes."""
        return sum(self.per_minute(now))


@dataclass
class PairActivity:
    """One tenant's activity at one vendor on this replica."""

    cache: dict[CacheResult, MinuteCounts] = field(
        default_factory=lambda: {result: MinuteCounts() for result in CacheResult}
    )
    admitted: dict[str, MinuteCounts] = field(default_factory=dict)
    """Calls admitted per budget name."""
    last_error: VendorErrorStatus | None = None


class VendorActivity:
    """The recorder the pipeline feeds and ``GET /v1/vendors`` reads."""

    def __init__(self, max_pairs: int = MAX_PAIRS, clock: Clock = SYSTEM_CLOCK) -> None:
        self._pairs: LRUCache[tuple[str, str], PairActivity] = LRUCache(max_pairs)
        self._clock = clock

    @property
    def window_seconds(self) -> int:
        """How far back the counts reach (whole minutes, the current one included)."""
        return MINUTES_KEPT * 60

    def now(self) -> float:
        """The recorder's wall clock (seconds since the epoch)."""
        return self._clock.time()

    def cache_lookup(self, tenant_id: str, vendor: str, result: CacheResult) -> None:
        """A cached read of ``tenant_id`` at ``vendor`` was answered as ``result``."""
        self._pair(tenant_id, vendor).cache[result].add(self._clock.time())

    def admitted(self, tenant_id: str, vendor: str, budget: str) -> None:
        """A call of ``tenant_id`` took a slot of ``vendor``'s budget ``budget``."""
        counts = self._pair(tenant_id, vendor).admitted
        ring = counts.get(budget)
        if ring is None:
            ring = counts[budget] = MinuteCounts()
        ring.add(self._clock.time())

    def failed(self, tenant_id: str, vendor: str, op: Op, error: GatewayError) -> None:
        """A call of ``tenant_id`` to ``vendor`` ended in ``error`` (what the consumer saw)."""
        self._pair(tenant_id, vendor).last_error = VendorErrorStatus(
            at=datetime.fromtimestamp(self._clock.time(), UTC),
            operation=op.value,
            status=error.status,
            type=error.to_problem("").type,
            vendor_status=error.vendor_status,
        )

    def of(self, tenant_id: str, vendor: str) -> PairActivity | None:
        """What was recorded of ``tenant_id`` at ``vendor`` (``None``: nothing in memory)."""
        return self._pairs.get((tenant_id, vendor))

    def _pair(self, tenant_id: str, vendor: str) -> PairActivity:
        key = (tenant_id, vendor)
        pair = self._pairs.get(key)
        if pair is None:
            pair = self._pairs[key] = PairActivity()
        return pair
