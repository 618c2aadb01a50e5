"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.server import RunningServer, start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session, on a unix socket in a temporary directory."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The URL of a running, empty Redis; restarted if a test stopped it."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    yield redis_server.url
    if redis_server.process is None:
        redis_server.start()


@pytest.fixture
def trustcaller_sim() -> Iterator[RunningServer]:
    """A fresh TrustCaller simulator on a free port; its API lives under ``url + '/api/v1'``."""
    server = start_in_thread(create_simulator_app(SimulatorConfig()))
    yield server
    server.stop()
