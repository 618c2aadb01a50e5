"""Rate shaping: wait for a slot within a bound, otherwise refuse with a retry time.

The shaper keeps a vendor from ever answering 429 because of us: requests beyond a credential's
budget wait (up to ``max_wait``) for the sliding window to free a slot. Redis makes the budget
exact across replicas; when Redis is unreachable each process falls back to an in-memory limiter
holding a conservative share of the budget (counting what it admitted through Redis in the
window), and goes back to Redis by itself once it answers, first adding what it admitted in the
meantime to the shared logs.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass

from policies.clock import SYSTEM_CLOCK, Clock
from policies.ratelimit.limiter import (
    Decision,
    EpochChanged,
    MemoryLimiter,
    Rate,
    RedisLimiter,
)
from policies.redis_client import REDIS_ERRORS

log = logging.getLogger(__name__)


class ShapingRejected(Exception):
    """The budget has no slot within the wait bound; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate budget spent; retry after {retry_after:.1f}s")

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds for a ``Retry-After`` header (at least 1)."""
        return max(1, math.ceil(self.retry_after))


@dataclass(frozen=True)
class ShapingSettings:
    """How shaping behaves."""

    max_wait_seconds: float = 5.0
    """How long a request may wait for a slot before it is answered 429."""
    margin_seconds: float = 1.0
    """Added to every window, so transit jitter cannot squeeze a 61st request into the vendor's."""
    fallback_share: float = 0.25
    """Share of a budget one process may use while Redis is unreachable."""
    local_share: float = 1.0
    """Share of a budget one process uses without Redis at all (1 / worker count)."""
    redis_retry_seconds: float = 1.0
    """After a Redis failure, how long to use the fallback before trying Redis again."""
    reseed_grace_seconds: float = 1.0
    """After finding Redis emptied, how long a budget admits nothing, so every replica can put
    back its admissions first (each checks its budgets twice in that time)."""
    idle_check_seconds: float | None = None
    """How often :meth:`RateShaper.watch_epochs` checks the budgets no decision looked at since
    its last check; ``None``: twice per ``reseed_grace_seconds``."""


@dataclass(frozen=True)
class Admission:
    """A granted slot: how long the request waited and what is left of the budget."""

    waited_seconds: float
    remaining: int
    key: str = ""
    member: str | None = None
    """Its entry in the shared log, if Redis admitted it."""
    at: float | None = None
    """When this process noted it, on the shaper's clock."""


class RateShaper:
    """Budgets keyed by vendor credential, shared through Redis when there is one."""

    def __init__(
        self,
        shared: RedisLimiter | None,
        settings: ShapingSettings,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._shared = shared
        self._clock = clock
        self._local = MemoryLimiter(clock=clock)
        self._settings = settings
        self._shared_down_until = 0.0
        self._fallback_since: float | None = None
        self._rates: dict[str, Rate] = {}
        self._epochs: dict[str, str] = {}
        self._confirmed: set[str] = set()
        """Budgets whose epoch a decision saw since the watcher's last check."""
        self._reseeding: dict[str, asyncio.Lock] = {}
        self.fallbacks = 0
        """How many decisions were taken by the in-memory fallback because Redis failed."""
        self.reseeds = 0
        """How many budgets this process re-seeded after finding Redis emptied."""
        self.last_reseed_at: float | None = None
        """When (wall clock) it last did."""

    @property
    def using_fallback(self) -> bool:
        """Whether Redis is configured but currently skipped."""
        return self._shared is not None and self._clock.monotonic() < self._shared_down_until

    def wait_deadline(self) -> float:
        """The latest moment (this shaper's clock, monotonic) a request starting now may still
        wait until."""
        return self._clock.monotonic() + self._settings.max_wait_seconds

    async def acquire(self, key: str, rate: Rate, deadline: float | None = None) -> Admission:
        """Wait for a slot under ``key``; raise :class:`ShapingRejected` past the wait bound.

        ``deadline`` (from :meth:`wait_deadline`) lets one request share a single wait bound
        across several budgets and attempts.
        """
        window = Rate(rate.limit, rate.period_seconds + self._settings.margin_seconds)
        started = self._clock.monotonic()
        deadline = deadline if deadline is not None else self.wait_deadline()
        while True:
            decision = await self._decide(key, window)
            now = self._clock.monotonic()
            if decision.admitted:
                return Admission(
                    now - started, decision.remaining, key, decision.member, decision.at
                )
            if now + decision.wait_seconds > deadline:
                raise ShapingRejected(decision.wait_seconds)
            await self._clock.sleep(decision.wait_seconds)

    async def remaining(self, key: str, rate: Rate) -> int:
        """What the budget under ``key`` would admit now, spending nothing: from Redis when it
        decides, else from the in-process limiter with the share it would use."""
        window = Rate(rate.limit, rate.period_seconds + self._settings.margin_seconds)
        if self._shared is None:
            return self._local.peek(key, window.scaled(self._settings.local_share))
        if not self.using_fallback:
            try:
                return await self._shared.peek(key, window)
            except REDIS_ERRORS:
                pass
        return self._local.peek(key, window.scaled(self._settings.fallback_share))

    async def release(self, admission: Admission) -> None:
        """Give a slot back: the vendor refused the request without counting it (a budget
        whose vendor counts only what it accepts), so it must not count here either."""
        if admission.at is not None:
            self._local.release(admission.key, admission.at)
        if admission.member is not None and self._shared is not None:
            try:
                await self._shared.release(admission.key, admission.member)
            except REDIS_ERRORS:
                self._note_shared_failure()

    async def pause(self, key: str, seconds: float) -> None:
        """The vendor answered 429: stop admitting under ``key`` for ``seconds``, everywhere."""
        await self._local.pause(key, seconds)
        if self._shared is not None and not self.using_fallback:
            try:
                await self._shared.pause(key, seconds)
            except REDIS_ERRORS:
                self._note_shared_failure()

    async def _decide(self, key: str, window: Rate) -> Decision:
        if self._shared is None:
            return await self._local.acquire(key, window.scaled(self._settings.local_share))
        self._rates[key] = window
        if not self.using_fallback:
            try:
                await self._backfill_after_outage(self._shared)
                decision = await self._shared_decision(self._shared, key, window)
            except REDIS_ERRORS:
                self._note_shared_failure()
            else:
                self._note_shared_success()
                if decision.admitted:
                    at = self._local.record(key)
                    return Decision(True, 0.0, decision.remaining, decision.member, at)
                return decision
        self.fallbacks += 1
        return await self._local.acquire(key, window.scaled(self._settings.fallback_share))

    async def _shared_decision(self, shared: RedisLimiter, key: str, window: Rate) -> Decision:
        """Redis's decision, after re-seeding the budget if Redis lost it since we last asked."""
        sent = self._epochs.get(key, "")
        answer = await shared.acquire(key, window, sent)
        if isinstance(answer, EpochChanged):
            await self._epoch_changed(shared, key, window, sent, answer.epoch)
            answer = await shared.acquire(key, window, answer.epoch)
        if isinstance(answer, EpochChanged):  # emptied again in between: let the caller wait
            return Decision(False, self._settings.reseed_grace_seconds, 0)
        self._confirmed.add(key)
        return answer

    async def _epoch_changed(
        self, shared: RedisLimiter, key: str, window: Rate, sent: str, epoch: str
    ) -> None:
        """The budget's epoch is not the one we sent. New to this process (we sent none):
        adopt it. Already adopted by a concurrent request of ours: nothing to do. Otherwise
        Redis was emptied: put back the admissions this process remembers, and hold the budget
        for a moment so every other replica can put back its own before anyone admits more."""
        async with self._reseeding.setdefault(key, asyncio.Lock()):
            known = self._epochs.get(key)
            if not sent or known == epoch:
                self._epochs[key] = epoch
                return
            ages = self._local.ages_since(key, float("-inf"), window.period_seconds)
            await shared.backfill(key, ages, window)
            await shared.pause(key, self._settings.reseed_grace_seconds)
            self._epochs[key] = epoch
        self.reseeds += 1
        self.last_reseed_at = self._clock.time()
        log.warning(
            "rate limiter: Redis lost a budget's window (emptied or restarted); re-seeded it "
            "with this replica's admissions",
            extra={"admissions": len(ages)},
        )

    async def watch_epochs(self, every_seconds: float | None = None) -> None:
        """Until cancelled: notice an emptied Redis even while idle, and re-seed every budget
        this process admitted under within its window (other replicas may be admitting).

        A budget a decision looked at since the last check is skipped (the decision's script
        checked its epoch), so a busy replica sends nothing here; one round trip per check
        otherwise."""
        shared = self._shared
        if shared is None:
            return
        interval = (
            every_seconds
            or self._settings.idle_check_seconds
            or self._settings.reseed_grace_seconds / 2
        )
        while True:
            await self._clock.sleep(interval)
            await self.check_epochs()

    async def check_epochs(self) -> None:
        """One round of :meth:`watch_epochs`: forget the budgets unused for longer than any
        window, then re-seed the recently used ones whose epoch Redis no longer has."""
        shared = self._shared
        if shared is None or self.using_fallback:
            return
        confirmed, self._confirmed = self._confirmed, set()
        self._forget_unused(confirmed)
        keys = [
            k for k in self._epochs if k in self._rates and k not in confirmed and self._recent(k)
        ]
        if not keys:
            return
        try:
            current = await shared.epochs(keys)
            for key, epoch in zip(keys, current, strict=True):
                if epoch != self._epochs.get(key):
                    await self._shared_decision_probe(shared, key)
        except REDIS_ERRORS:
            self._note_shared_failure()

    def __len__(self) -> int:
        """How many budgets it holds state for (rates, epochs, re-seeding locks)."""
        return len(self._rates.keys() | self._epochs.keys() | self._reseeding.keys())

    def _forget_unused(self, confirmed: set[str]) -> None:
        """Forget budgets no decision looked at since the last check whose admissions the
        in-process limiter no longer remembers (unused for longer than any window): their next
        decision adopts the budget's epoch as a new budget's would, with nothing to re-seed."""
        for key in [k for k in self._rates if k not in confirmed and not self._local.remembers(k)]:
            lock = self._reseeding.get(key)
            if lock is not None and lock.locked():
                continue
            self._rates.pop(key, None)
            self._epochs.pop(key, None)
            self._reseeding.pop(key, None)

    async def _shared_decision_probe(self, shared: RedisLimiter, key: str) -> None:
        """Re-seed ``key`` without admitting anything (a zero-slot probe of its epoch)."""
        window = self._rates[key]
        sent = self._epochs.get(key, "")
        answer = await shared.acquire(key, Rate(0, window.period_seconds), sent)
        if isinstance(answer, EpochChanged):
            await self._epoch_changed(shared, key, window, sent, answer.epoch)

    def _recent(self, key: str) -> bool:
        window = self._rates[key]
        return bool(self._local.ages_since(key, float("-inf"), window.period_seconds))

    async def _backfill_after_outage(self, shared: RedisLimiter) -> None:
        """Back on Redis: first add what this process admitted without it to the shared logs."""
        if self._fallback_since is None:
            return
        for key in self._local.logged_keys():
            rate = self._rates.get(key)
            if rate is not None:
                ages = self._local.ages_since(key, self._fallback_since, rate.period_seconds)
                await shared.backfill(key, ages, rate)

    def _note_shared_success(self) -> None:
        """A decision came from Redis: if an outage was running, it is over (said once, only
        after Redis answered, never while it is still down)."""
        if self._fallback_since is not None:
            self._fallback_since = None
            log.warning("rate limiter: Redis reachable again, shared budgets restored")

    def _note_shared_failure(self) -> None:
        if not self.using_fallback:
            log.warning("rate limiter: Redis unreachable, using the in-process fallback")
        if self._fallback_since is None:
            self._fallback_since = self._clock.monotonic()
        self._shared_down_until = self._clock.monotonic() + self._settings.redis_retry_seconds
