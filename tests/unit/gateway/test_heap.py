"""The collector is timed by generation, and a serving process freezes its start-up heap and
hands the GIL over sooner."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from gateway.heap import CollectionTimer, settle_startup_heap
from gateway.metrics import GatewayMetrics
from gateway.serving_process import GIL_SWITCH_SECONDS, tune_serving_process


def _pauses(registry: CollectorRegistry, generation: int) -> float:
    value = registry.get_sample_value(
        "gateway_gc_pause_seconds_count", {"generation": str(generation)}
    )
    return value or 0.0


def test_every_collection_is_timed_under_its_generation_while_the_timer_runs() -> None:
    registry = CollectorRegistry()
    timer = CollectionTimer(registry)
    timer.start()
    timer.start()
    assert gc.callbacks.count(timer._observe) == 1
    try:
        gc.collect(2)
        gc.collect(0)
    finally:
        timer.stop()
    full, young = _pauses(registry, 2), _pauses(registry, 0)
    gc.collect(2)

    assert full >= 1 and young >= 1, (full, young)
    assert _pauses(registry, 2) == full, "a stopped timer still observed a collection"
    total = registry.get_sample_value("gateway_gc_pause_seconds_sum", {"generation": "2"})
    assert total is not None and total > 0


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_what_is_alive_when_the_heap_is_settled_is_out_of_the_collectors_sight(
    unfrozen: None,
) -> None:
    alive = [object() for _ in range(3)]
    assert any(found is alive for found in gc.get_objects())

    frozen = settle_startup_heap()

    assert frozen > 0
    assert not any(found is alive for found in gc.get_objects())
    assert gc.is_tracked(alive)


def test_metrics_report_the_frozen_objects_and_collection_pauses() -> None:
    metrics = GatewayMetrics()
    text = metrics.exposition().decode()

    assert "gateway_gc_frozen_objects " in text
    assert "# TYPE gateway_gc_pause_seconds histogram" in text


@pytest.fixture
def restored_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)
    gc.unfreeze()


def test_a_serving_process_freezes_its_heap_and_hands_the_gil_over_sooner(
    restored_interval: None,
) -> None:
    sys.setswitchinterval(0.005)

    tune_serving_process()

    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_SECONDS)
    assert gc.get_freeze_count() > 0
