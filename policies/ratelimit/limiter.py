"""What a limit is (:class:`Rate`), and where its state lives: Redis (shared) or memory.

Both keep the same strategy: an exact sliding-window log. For "60 per minute" it admits a request
only if fewer than 60 were admitted in the trailing 60 s, so no 60 s window, aligned or not, ever
holds more than 60 admissions. That covers a vendor counting fixed windows from the first hit
(as Laravel does) as well as one counting sliding windows. A GCRA with a burst of 60
would not: it refills continuously, letting about 120 through in some 60 s windows.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis

from policies.clock import SYSTEM_CLOCK, Clock
from policies.redis_client import reply_text

_SCRIPT = (Path(__file__).with_name("sliding_window.lua")).read_text()
_PAUSE = (Path(__file__).with_name("pause.lua")).read_text()
_BACKFILL = (Path(__file__).with_name("backfill.lua")).read_text()
_PEEK = (Path(__file__).with_name("peek.lua")).read_text()
ANY_EPOCH = "*"
"""Admit whatever the budget's epoch (for callers that do not re-seed)."""
MAX_HISTORY_SECONDS = 3600.0
"""How far back a process remembers its admissions (longer than any vendor's window)."""
SWEEP_EVERY_SECONDS = 60.0
"""How often the in-process limiter drops what it no longer needs (amortized over its calls)."""


@dataclass(frozen=True)
class Rate:
    """``limit`` admissions per ``period_seconds``."""

    limit: int
    period_seconds: float

    def scaled(self, share: float) -> Rate:
        """A conservative slice of this rate (at least one admission per period)."""
        return Rate(max(1, int(self.limit * share)), self.period_seconds)


@dataclass(frozen=True)
class Decision:
    """The limiter's answer: admitted, or how long until a slot frees."""

    admitted: bool
    wait_seconds: float
    remaining: int
    member: str | None = None
    """The admission's entry in a shared log (to give it back); ``None`` for a local one."""
    at: float | None = None
    """When a local limiter admitted it, on its clock (to give it back)."""


@dataclass(frozen=True)
class EpochChanged:
    """Redis does not hold the budget's state this replica knows: it was emptied (or the
    replica is new to the budget). ``epoch`` is the budget's epoch now; nothing was admitted."""

    epoch: str


class RedisLimiter:
    """The sliding-window log in Redis: one script call (one round trip) per decision."""

    def __init__(self, redis: Redis, prefix: str = "gw") -> None:
        self._redis = redis
        self._script = redis.register_script(_SCRIPT)
        self._pause = redis.register_script(_PAUSE)
        self._backfill = redis.register_script(_BACKFILL)
        self._peek = redis.register_script(_PEEK)
        self._prefix = prefix

    def _keys(self, key: str) -> list[str]:
        tag = f"{{{self._prefix}:rl:{key}}}"  # one hash slot for the budget's keys (Cluster)
        return [f"{tag}:log", f"{tag}:pause", f"{tag}:epoch"]

    async def acquire(
        self, key: str, rate: Rate, epoch: str = ANY_EPOCH
    ) -> Decision | EpochChanged:
        """Admit one request under ``key`` if ``rate`` allows it now, provided the budget's
        epoch is ``epoch`` (the one this replica knows; ``""``: none yet)."""
        window_ms = int(rate.period_seconds * 1000)
        member = uuid.uuid4().hex
        admitted, wait_ms, remaining, current = await self._script(
            keys=self._keys(key),
            args=[rate.limit, window_ms, member, epoch, uuid.uuid4().hex],
        )
        if int(admitted) < 0:
            return EpochChanged(reply_text(current))
        granted = bool(admitted)
        return Decision(granted, int(wait_ms) / 1000, int(remaining), member if granted else None)

    async def peek(self, key: str, rate: Rate) -> int:
        """The slots ``rate`` leaves under ``key`` now, admitting nothing (one round trip)."""
        window_ms = int(rate.period_seconds * 1000)
        return int(await self._peek(keys=self._keys(key)[:2], args=[rate.limit, window_ms]))

    async def release(self, key: str, member: str) -> None:
        """Give back one admission (the vendor did not count the request it let through)."""
        await self._redis.zrem(self._keys(key)[0], member)

    async def epochs(self, keys: Sequence[str]) -> list[str | None]:
        """The epochs of several budgets now (``None``: emptied), in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.get(self._keys(key)[2])
            replies = await pipe.execute()
        return [None if reply is None else reply_text(reply) for reply in replies]

    async def backfill(self, key: str, ages_seconds: list[float], rate: Rate) -> None:
        """Count admissions made elsewhere (``ages_seconds`` ago) in ``key``'s window."""
        if ages_seconds:
            window_ms = int(rate.period_seconds * 1000)
            await self._backfill(
                keys=[self._keys(key)[0]], args=[window_ms, *(int(a * 1000) for a in ages_seconds)]
            )

    async def pause(self, key: str, seconds: float) -> None:
        """Admit nothing under ``key`` for ``seconds`` (the vendor said so), on every replica;
        a longer pause already running is kept."""
        await self._pause(keys=[self._keys(key)[1]], args=[max(1, int(seconds * 1000))])


class MemoryLimiter:
    """The same log in process memory: for one process, or while Redis is unreachable.

    Its size follows what is in use, not every credential ever seen: about once a minute it
    drops the logs whose newest admission is older than :data:`MAX_HISTORY_SECONDS` (longer
    than any window it is asked to count, so nothing it could still need) and the pauses that
    have ended.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._logs: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        self._now = clock.monotonic
        self._next_sweep = self._now() + SWEEP_EVERY_SECONDS

    def __len__(self) -> int:
        """How many budget keys it holds state for (logs or pauses)."""
        return len(self._logs.keys() | self._paused_until.keys())

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_SECONDS
        forgotten = now - MAX_HISTORY_SECONDS
        for key in [k for k, log in self._logs.items() if not log or log[-1] <= forgotten]:
            del self._logs[key]
        for key in [k for k, until in self._paused_until.items() if until <= now]:
            del self._paused_until[key]

    async def acquire(self, key: str, rate: Rate) -> Decision:
        """Admit one request under ``key`` if ``rate`` allows it now."""
        now = self._now()
        self._sweep(now)
        paused = self._paused_until.get(key, 0.0) - now
        if paused > 0:
            return Decision(False, paused, 0)
        log = self._logs.setdefault(key, deque())
        while log and log[0] <= now - rate.period_seconds:
            log.popleft()
        if len(log) < rate.limit:
            log.append(now)
            return Decision(True, 0.0, rate.limit - len(log), at=now)
        return Decision(False, max(0.001, log[0] + rate.period_seconds - now), 0)

    def peek(self, key: str, rate: Rate) -> int:
        """The slots ``rate`` leaves under ``key`` now, admitting nothing."""
        now = self._now()
        if self._paused_until.get(key, 0.0) > now:
            return 0
        recent = sum(1 for at in self._logs.get(key, ()) if at > now - rate.period_seconds)
        return max(0, rate.limit - recent)

    def record(self, key: str) -> float:
        """Note an admission decided elsewhere (by Redis), so a fallback (or a re-seed of an
        emptied Redis) starts from history; when it was noted."""
        now = self._now()
        self._sweep(now)
        log = self._logs.setdefault(key, deque())
        while log and log[0] <= now - MAX_HISTORY_SECONDS:
            log.popleft()
        log.append(now)
        return now

    def release(self, key: str, at: float) -> None:
        """Forget the admission noted at ``at`` under ``key`` (gone already: nothing to do)."""
        log = self._logs.get(key)
        if log is not None and at in log:
            log.remove(at)

    def ages_since(self, key: str, since: float, period_seconds: float) -> list[float]:
        """Ages (seconds) of the admissions under ``key`` after ``since`` and within a period."""
        now = self._now()
        oldest = max(since, now - period_seconds)
        return [now - at for at in self._logs.get(key, ()) if at > oldest]

    def remembers(self, key: str) -> bool:
        """Whether it still holds admissions or a pause under ``key``."""
        return key in self._logs or key in self._paused_until

    def logged_keys(self) -> list[str]:
        """Every key with a log."""
        return list(self._logs)

    async def pause(self, key: str, seconds: float) -> None:
        """Admit nothing under ``key`` for ``seconds`` (a longer pause already running is kept)."""
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), self._now() + seconds)
