"""What every book of the Truecaller simulator's state shares: settings, delays, lock, clocks."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from simulators.truecaller.config import SimulatorConfig


@dataclass
class Delays:
    """The delays ``/_sim/delays`` may change while the simulator runs."""

    number_processing_seconds: float
    batch_processing_seconds: float
    webhook_retry_delays_seconds: tuple[float, ...]
    callback_retry_delays_seconds: tuple[float, ...]

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> Delays:
        return cls(
            config.number_processing_seconds,
            config.batch_processing_seconds,
            tuple(config.webhook_retry_delays_seconds),
            tuple(config.callback_retry_delays_seconds),
        )


@dataclass
class StateContext:
    """What every book shares: settings, delays, the lock and the clocks.

    ``clock`` is monotonic (deadlines, windows), ``now`` the UTC wall clock (what the vendor shows).
    """

    config: SimulatorConfig
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    lock: threading.RLock = field(default_factory=threading.RLock)
    delays: Delays = field(init=False)

    def __post_init__(self) -> None:
        self.delays = Delays.from_config(self.config)


class SlidingLimiter:
    """Counts accepted hits per key in a sliding window; refused hits are not counted."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def hit(self, bucket: str, key: str, limit: int, width: float, now: float) -> float | None:
        """Count one hit; ``None`` when allowed, else seconds until one is allowed again."""
        times = self._hits.setdefault((bucket, key), deque())
        while times and times[0] <= now - width:
            times.popleft()
        if len(times) >= limit:
            return max(times[0] + width - now, 0.0)
        times.append(now)
        return None
