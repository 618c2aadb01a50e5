"""Metrics shared by several worker processes: the Prometheus client's multi-process mode.

``gateway serve`` with more than one worker makes a fresh directory, names it in
``PROMETHEUS_MULTIPROC_DIR`` before the workers start (the client chooses its storage when it is
first imported), and removes it when the server stops. Each worker then writes its values to
files there, and ``/metrics`` sums them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> Path | None:
    """The shared directory this process writes its metrics to, if workers share them."""
    path = os.environ.get(MULTIPROC_ENV)
    return Path(path) if path else None


@contextlib.contextmanager
def shared_by_workers(workers: int) -> Iterator[Path | None]:
    """For more than one worker, a fresh multi-process directory in the environment while the
    server runs (any inherited one is replaced: stale files would be counted); removed after."""
    if workers <= 1:
        yield None
        return
    path = Path(tempfile.mkdtemp(prefix="gateway-metrics-"))
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(path, ignore_errors=True)


class StateMirror:
    """Copies scrape-time collectors (gauges and counters) into multi-process metrics.

    Gauges become per-worker values summed over live workers; counters are advanced by what
    they grew since the last copy, so a worker's count stays in the sum after it exits.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self._collectors: list[Collector] = []
        self._gauges: dict[str, Gauge] = {}
        self._counters: dict[str, Counter] = {}
        self._last: dict[tuple[str, tuple[str, ...]], float] = {}

    def add(self, collector: Collector) -> None:
        """Mirror ``collector`` from now on."""
        self._collectors.append(collector)

    def copy(self) -> None:
        """Write every mirrored value to the shared files once."""
        for collector in self._collectors:
            for family in collector.collect():
                if family.type == "gauge":
                    self._copy_gauge(family.name, family.documentation, family.samples)
                elif family.type == "counter":
                    self._copy_counter(family.name, family.documentation, family.samples)

    def _copy_gauge(self, name: str, documentation: str, samples: list[Sample]) -> None:
        seen: set[tuple[str, ...]] = set()
        for sample in samples:
            labels = tuple(sample.labels.values())
            gauge = self._gauges.get(name) or self._new_gauge(name, documentation, sample.labels)
            (gauge.labels(*labels) if labels else gauge).set(sample.value)
            seen.add(labels)
            self._last[(name, labels)] = sample.value
        for key in [k for k in self._last if k[0] == name and k[1] not in seen]:
            gauge = self._gauges[name]
            (gauge.labels(*key[1]) if key[1] else gauge).set(0)
            del self._last[key]

    def _copy_counter(self, name: str, documentation: str, samples: list[Sample]) -> None:
        for sample in samples:
            if not sample.name.endswith("_total"):
                continue
            labels = tuple(sample.labels.values())
            counter = self._counters.get(name) or self._new_counter(
                name, documentation, sample.labels
            )
            grown = sample.value - self._last.get((name, labels), 0.0)
            if grown > 0:
                (counter.labels(*labels) if labels else counter).inc(grown)
            self._last[(name, labels)] = sample.value

    def _new_gauge(self, name: str, documentation: str, labels: dict[str, str]) -> Gauge:
        gauge = Gauge(
            name,
            documentation,
            list(labels),
            registry=self._registry,
            multiprocess_mode="livesum",
        )
        self._gauges[name] = gauge
        return gauge

    def _new_counter(self, name: str, documentation: str, labels: dict[str, str]) -> Counter:
        counter = Counter(name, documentation, list(labels), registry=self._registry)
        self._counters[name] = counter
        return counter
