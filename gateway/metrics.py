"""Prometheus metrics of the gateway (served at ``/metrics``).

One worker keeps them on its own registry. Several workers (``GATEWAY_WORKERS`` > 1) share them
through the Prometheus client's multi-process mode (see :mod:`gateway.metrics_workers`): each
worker writes its values to files in one directory, and whichever worker answers ``/metrics``
reads them all, so counters and histograms are sums over the workers.

Labels are bounded: routes are templates, vendors and operations are declared names, outcomes
are problem slugs. Nothing tenant-, credential- or number-specific ever becomes a label.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from gateway.heap import CollectionTimer, FrozenObjects
from gateway.metrics_workers import StateMirror, multiprocess_dir

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
M = TypeVar("M", Counter, Histogram)


class Children(Generic[M]):
    """A metric's labelled children, looked up once per label set (``labels()`` takes a lock
    and builds its key on every call; the label sets here are few and bounded)."""

    def __init__(self, metric: M) -> None:
        self._metric: M = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


class GatewayMetrics:
    """The gateway's instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.shared_dir = multiprocess_dir()
        """The multi-process directory when several workers share the metrics, else ``None``."""
        self._mirror = StateMirror(self.registry)
        self.requests = Counter(
            "gateway_requests",
            "Requests served, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self._served = Children(self.requests)
        self.worker_requests = Gauge(
            "gateway_worker_requests_served",
            "Requests served by each live worker process (label pid when there are several).",
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.vendor_calls = Histogram(
            "gateway_vendor_call_seconds",
            "Vendor call latency by vendor, operation and outcome.",
            ["vendor", "operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.vendor_call = Children(self.vendor_calls)
        """The child of :attr:`vendor_calls` for ``(vendor, operation, outcome)``."""
        self.cache = Counter(
            "gateway_cache_lookups",
            "Cache lookups by vendor, operation and result (hit or miss).",
            ["vendor", "operation", "result"],
            registry=self.registry,
        )
        self.cache_lookup = Children(self.cache)
        """The child of :attr:`cache` for ``(vendor, operation, result)``."""
        self.answer_bodies = Counter(
            "gateway_answer_bodies",
            "Answers made wholly of cached vendor answers, by whether their wire body was reused "
            "(nothing decoded or encoded) or encoded.",
            ["result"],
            registry=self.registry,
        )
        self.shaping_wait = Histogram(
            "gateway_shaping_wait_seconds",
            "Time requests waited for a vendor budget slot.",
            ["vendor"],
            buckets=(0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
            registry=self.registry,
        )
        self.shaping_rejections = Counter(
            "gateway_shaping_rejections",
            "Requests answered 429 because a vendor budget had no slot in time.",
            ["vendor"],
            registry=self.registry,
        )
        self.collections = CollectionTimer(self.registry)
        """Times garbage collections while the app runs (started and stopped with it)."""
        self.watch(FrozenObjects())

    def served(self, route: str, method: str, status: int) -> None:
        """Count one answered request."""
        self._served(route, method, str(status)).inc()
        self.worker_requests.inc()

    def watch(self, collector: Collector) -> None:
        """Add a collector that reads this process's state at scrape time.

        With several workers, its values are copied to the shared files instead (by
        :meth:`mirror_forever`), since the worker answering ``/metrics`` cannot read the others'.
        """
        if self.shared_dir is None:
            self.registry.register(collector)
        else:
            self._mirror.add(collector)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format: this process's, or all workers'."""
        if self.shared_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.shared_dir))
        return generate_latest(registry)

    async def mirror_forever(self, interval: float = 1.0) -> None:
        """With several workers, copy the watched state to the shared files every ``interval``
        seconds (so it is at most that old when scraped); with one, return at once."""
        if self.shared_dir is None:
            return
        while True:
            self._mirror.copy()
            await asyncio.sleep(interval)

    def close(self) -> None:
        """Drop this worker's live gauges from the shared files (its counters stay counted)."""
        if self.shared_dir is not None:
            mark_process_dead(os.getpid(), str(self.shared_dir))


class StateCollector(Collector):
    """Breaker states and Redis fallbacks, read from the policies when scraped."""

    def __init__(
        self,
        open_breakers: Callable[[], dict[str, int]],
        fallbacks: Callable[[], dict[str, int]],
    ) -> None:
        self._open_breakers = open_breakers
        self._fallbacks = fallbacks

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        """Yield the current values."""
        breakers = GaugeMetricFamily(
            "gateway_breakers_open",
            "Open or half-open circuit breakers by vendor.",
            labels=["vendor"],
        )
        for vendor, count in sorted(self._open_breakers().items()):
            breakers.add_metric([vendor], count)
        yield breakers
        fallbacks = CounterMetricFamily(
            "gateway_redis_fallbacks",
            "Decisions and reads served without Redis because it was unreachable, by policy.",
            labels=["policy"],
        )
        for policy, count in sorted(self._fallbacks().items()):
            fallbacks.add_metric([policy], count)
        yield fallbacks
