"""Prometheus metrics of one gateway process, on its own registry (served at ``/metrics``).

Labels are bounded: routes are templates, vendors and operations are declared names, outcomes
are problem slugs. Nothing tenant-, credential- or number-specific ever becomes a label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class GatewayMetrics:
    """The gateway's instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gateway_requests",
            "Requests served, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.vendor_calls = Histogram(
            "gateway_vendor_call_seconds",
            "Vendor call latency by vendor, operation and outcome.",
            ["vendor", "operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "gateway_cache_lookups",
            "Cache lookups by vendor, operation and result (hit or miss).",
            ["vendor", "operation", "result"],
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

    def watch(self, collector: Collector) -> None:
        """Add a collector that reads state at scrape time."""
        self.registry.register(collector)


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
