"""The garbage collector, kept from stalling the event loop.

CPython's cyclic collector stops the process while it walks a generation. Its oldest
generation holds everything built at start-up (modules, the app, its routes and schemas:
about 200,000 objects), so a full collection took 110 to 120 ms, every few seconds under
load, and every request waiting meanwhile took that long more: it set the gateway's p99
(``make bench``). None of those objects is ever garbage, so a serving process moves them out
of the collector's sight once it is ready (:func:`settle_startup_heap`, ``gc.freeze``); a
full collection then walks only what requests and caches made since, and takes 1 to 3 ms.

:class:`CollectionTimer` times every collection into ``gateway_gc_pause_seconds``, so an
operator sees such pauses instead of guessing at them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PAUSE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)


def settle_startup_heap() -> int:
    """Collect what start-up left behind, then freeze every object alive now: the collector
    never walks them again (reference counting still frees them). Returns how many were
    frozen.

    Only for a process that serves one app for its life: an object frozen here that later
    becomes part of unreachable cycle is never freed.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class CollectionTimer:
    """Times each garbage collection of this process into a histogram by generation."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.pauses = Histogram(
            "gateway_gc_pause_seconds",
            "Time the process stood still in a garbage collection, by generation (2: full).",
            ["generation"],
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        self._by_generation = [self.pauses.labels(str(g)) for g in range(3)]
        self._started = 0.0

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._by_generation[info["generation"]].observe(time.perf_counter() - self._started)

    def start(self) -> None:
        """Begin timing collections (once; a second call does nothing)."""
        if self._observe not in gc.callbacks:
            gc.callbacks.append(self._observe)

    def stop(self) -> None:
        """Stop timing collections."""
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)


class FrozenObjects(Collector):
    """``gateway_gc_frozen_objects``: how many objects the collector no longer walks."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the current count."""
        yield GaugeMetricFamily(
            "gateway_gc_frozen_objects",
            "Objects alive at start-up that garbage collections no longer walk (gc.freeze).",
            value=gc.get_freeze_count(),
        )
