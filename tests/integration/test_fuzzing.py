"""Schemathesis against a running gateway (simulator behind it), authenticated as a tenant.

CI runs a fixed seed with a few examples per operation; `make fuzz` runs many more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
from tests.integration.conftest import GatewayStack, TenantHandle

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("st")
EXAMPLES = os.environ.get("GATEWAY_FUZZ_EXAMPLES", "8")
SEED = os.environ.get("GATEWAY_FUZZ_SEED", "20261123")
EXCLUDED_OPERATIONS = (
    # A tenant admin may revoke its own key; once the fuzzer finds that id (through the key
    # list), every later request would be a 401. Revocation has its own tests.
    "revokeKey",
)


@pytest.fixture
def trustcaller_sim() -> Iterator[RunningServer]:
    """The simulator with a budget big enough that fuzzing reaches more than its 429s."""
    server = start_in_thread(create_simulator_app(SimulatorConfig(rate_limit=1_000_000)))
    yield server
    server.stop()


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """No waiting for vendor budget slots: a spent budget answers 429 at once, so the fuzzer
    spends its time on the gateway's logic rather than in queues."""
    return gateway_settings.with_policies(shaping_max_wait=0.0)


def test_schemathesis_finds_no_failure(
    gateway: GatewayStack, make_tenant: Callable[..., TenantHandle], tmp_path: Path
) -> None:
    tenant = make_tenant(name="fuzzed", all_vendors=True)
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(DOCUMENT),
        "--url",
        gateway.url,
        "--header",
        f"Authorization: Bearer {tenant.key}",
        "--seed",
        SEED,
        "--max-examples",
        EXAMPLES,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--report-dir",
        str(tmp_path),
        *[arg for op in EXCLUDED_OPERATIONS for arg in ("--exclude-operation-id", op)],
    ]

    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=tmp_path)

    # Reproduction commands can carry megabyte bodies; keep each line short so the verdict shows.
    summary = "\n".join(line[:300] for line in result.stdout.splitlines())[-12000:]
    print(summary)
    assert result.returncode == 0, summary
    assert tenant.key not in result.stdout
