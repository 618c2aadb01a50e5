"""Scrape-time state reaches the shared metrics when several workers share them.

The Prometheus client picks its storage when first imported, so each case runs in a fresh
interpreter with ``PROMETHEUS_MULTIPROC_DIR`` set, as a worker of ``gateway serve`` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = """
import json, sys
from prometheus_client.parser import text_string_to_metric_families
from gateway.metrics import GatewayMetrics, StateCollector

breakers = {"trustcaller": 2}
fallbacks = {"shaping": 3}
metrics = GatewayMetrics()
metrics.watch(StateCollector(lambda: dict(breakers), lambda: dict(fallbacks)))

def scrape():
    metrics._mirror.copy()
    return {
        s.name + json.dumps(s.labels, sort_keys=True): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }

first = scrape()
breakers.clear()
fallbacks["shaping"] = 5
json.dump([first, scrape()], sys.stdout)
"""


def _run_worker(shared: Path) -> list[dict[str, float]]:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: list[dict[str, float]] = json.loads(done.stdout)
    return result


def test_breakers_and_fallbacks_are_mirrored_to_the_shared_metrics(tmp_path: Path) -> None:
    first, second = _run_worker(tmp_path)

    assert first['gateway_breakers_open{"vendor": "trustcaller"}'] == 2
    assert first['gateway_redis_fallbacks_total{"policy": "shaping"}'] == 3
    assert second['gateway_breakers_open{"vendor": "trustcaller"}'] == 0
    assert second['gateway_redis_fallbacks_total{"policy": "shaping"}'] == 5


def test_a_finished_worker_s_counts_stay_in_the_sum(tmp_path: Path) -> None:
    _run_worker(tmp_path)
    _, second = _run_worker(tmp_path)

    assert second['gateway_redis_fallbacks_total{"policy": "shaping"}'] == 10
