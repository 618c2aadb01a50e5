"""Fixtures shared by every test package."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.server import RunningServer, start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session, on a unix socket in a temporary directory."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL cluster for the session, on a unix socket in a temporary directory
    (directly under the system's temp dir: the server's user must be able to reach it)."""
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="gateway-tests-pg-")))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database; the server restarted if a test stopped it."""
    if postgres_server.process is None:
        postgres_server.start()
    yield postgres_server.new_database()
    if postgres_server.process is None:
        postgres_server.start()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: PostgresServer
) -> str:
    """An empty database of each engine the gateway supports (store contracts run on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite3'}"
    if postgres_server.process is None:
        postgres_server.start()
    return postgres_server.new_database()


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
