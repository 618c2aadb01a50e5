"""Integration fixtures: real servers on local ports, reached over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.sim_server import RunningServer, start_in_thread
from adapters.trustcaller.simulator import SimulatorConfig, create_simulator_app


@pytest.fixture
def trustcaller_sim() -> Iterator[RunningServer]:
    """A fresh TrustCaller simulator on a free port; its API lives under ``url + '/api/v1'``."""
    server = start_in_thread(create_simulator_app(SimulatorConfig()))
    yield server
    server.stop()
