"""`/metrics` of `gateway serve --workers 2` counts what every worker served, not one worker."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from tests.processes import clean_env, free_port, stop, wait_until_up

MAX_REQUESTS = 400
"""Enough new connections for both workers to be handed some (each batch checks)."""


@dataclass
class TwoWorkers:
    url: str
    tmp_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            stop({self.process: self.log})

    def metrics_dirs(self) -> list[str]:
        return [p.name for p in self.tmp_dir.iterdir() if p.name.startswith("gateway-metrics-")]


@pytest.fixture
def two_workers(tmp_path: Path, redis_url: str, postgres_url: str) -> Iterator[TwoWorkers]:
    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir()
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=generate_api_key(),
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_DATABASE_URL=postgres_url,
        GATEWAY_LOG_LEVEL="WARNING",
        TMPDIR=str(tmp_dir),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, check=True, timeout=60
    )
    port = free_port()
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    workers = TwoWorkers(url, tmp_dir, process, log)
    try:
        wait_until_up(url)
        yield workers
    finally:
        workers.stop()


def _scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    with httpx.Client() as client:  # a new connection: any worker may answer
        answer = client.get(url + "/metrics")
    assert answer.status_code == 200
    return _samples(answer.text)


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def _healthz_count(samples: dict[str, list[tuple[dict[str, str], float]]]) -> float:
    return sum(
        value
        for labels, value in samples.get("gateway_requests_total", [])
        if labels.get("route") == "/healthz"
    )


def _served_by_worker(samples: dict[str, list[tuple[dict[str, str], float]]]) -> dict[str, float]:
    return {
        labels["pid"]: value
        for labels, value in samples.get("gateway_worker_requests_served", [])
        if "pid" in labels
    }


def test_metrics_count_the_requests_of_every_worker(two_workers: TwoWorkers) -> None:
    before = _healthz_count(_scrape(two_workers.url))
    sent = 0
    served: dict[str, float] = {}
    while sent < MAX_REQUESTS:
        for _ in range(20):
            with httpx.Client() as client:  # a new connection each time
                assert client.get(two_workers.url + "/healthz").status_code == 200
            sent += 1
        served = _served_by_worker(_scrape(two_workers.url))
        if len([pid for pid, count in served.items() if count > 0]) >= 2:
            break

    assert len(served) == 2, f"expected two live workers in /metrics, saw {served}"
    assert all(count > 0 for count in served.values()), served
    for _ in range(4):  # whichever worker answers, it reports the sum
        assert _healthz_count(_scrape(two_workers.url)) - before == sent


def test_the_shared_metrics_directory_lives_only_while_serving(two_workers: TwoWorkers) -> None:
    while_serving = two_workers.metrics_dirs()
    two_workers.stop()

    assert len(while_serving) == 1
    assert two_workers.metrics_dirs() == []


def test_each_worker_freezes_its_start_up_heap_and_times_its_collections(
    two_workers: TwoWorkers,
) -> None:
    deadline = time.monotonic() + 15
    while True:
        samples = _scrape(two_workers.url)
        frozen = [value for _, value in samples.get("gateway_gc_frozen_objects", [])]
        full = [
            value
            for labels, value in samples.get("gateway_gc_pause_seconds_count", [])
            if labels.get("generation") == "2"
        ]
        if (sum(frozen) > 2 * 50_000 and sum(full) >= 2) or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    assert len(frozen) == 1 and frozen[0] > 2 * 50_000, f"summed over two workers: {frozen}"
    assert sum(full) >= 2, "each worker's settling collection is timed"
