"""The vault while its database is down: a real PostgreSQL server, stopped and started again.

Reads fall back to the last sealed records this process saw (for a bounded time); writes fail
with :class:`DatabaseUnavailable`, which tells nothing of the secret being written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from policies.last_known import LastKnown
from policies.sql import Database, DatabaseUnavailable
from policies.vault import Keyring, LastKnownVaultBackend, MasterKey, SqlVaultBackend, Vault
from tests.databases import migrated
from tests.postgres_server import PostgresServer
from tests.vault_data import KEY_1, NEW_SECRET, SECRET

KEYRING = Keyring([MasterKey(1, KEY_1)])


@pytest.fixture
async def database(postgres_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(postgres_url, tmp_path)
    yield database
    await database.close()


class Outage:
    """Takes the server down as a crash would, and brings it back."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server

    def begin(self) -> None:
        """Cut every session, then stop the server (a plain stop waits for idle pooled
        connections to leave)."""
        self.server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        self.server.stop()

    def end(self) -> None:
        if self.server.process is None:
            self.server.start()


@pytest.fixture
def outage(postgres_server: PostgresServer) -> Iterator[Outage]:
    """An outage the test may begin; ended whatever the test did."""
    outage = Outage(postgres_server)
    yield outage
    outage.end()


def shown(exc: BaseException) -> str:
    return str(exc) + repr(exc) + str(exc.__cause__) + repr(exc.__cause__)


async def test_reads_survive_an_outage_and_writes_fail(database: Database, outage: Outage) -> None:
    last_known = LastKnown(max_stale_seconds=60)
    vault = Vault(LastKnownVaultBackend(SqlVaultBackend(database), last_known), KEYRING)
    await vault.put("ten_a", "trustcaller", SECRET)
    await vault.put("ten_a", "other", SECRET)
    assert await vault.get_secret("ten_a", "trustcaller") == SECRET
    listed = await vault.list("ten_a")

    outage.begin()

    assert await vault.get_secret("ten_a", "trustcaller") == SECRET
    assert await vault.list("ten_a") == listed
    assert last_known.stale_reads == 2
    with pytest.raises(DatabaseUnavailable):
        await vault.get_secret("ten_a", "other")
    with pytest.raises(DatabaseUnavailable) as info:
        await vault.put("ten_a", "trustcaller", NEW_SECRET)
    assert "TOP-SECRET" not in shown(info.value)
    with pytest.raises(DatabaseUnavailable):
        await vault.get_secret("ten_a", "trustcaller")
    with pytest.raises(DatabaseUnavailable):
        await vault.delete_tenant("ten_a")

    outage.end()

    assert await vault.get_secret("ten_a", "trustcaller") == SECRET
    await vault.put("ten_a", "trustcaller", NEW_SECRET)
    assert await vault.get_secret("ten_a", "trustcaller") == NEW_SECRET
    assert [m.vendor for m in await vault.list("ten_a")] == ["other", "trustcaller"]


async def test_without_the_fallback_an_outage_is_database_unavailable_without_secrets(
    database: Database, outage: Outage
) -> None:
    vault = Vault(SqlVaultBackend(database), KEYRING)
    await vault.put("ten_a", "trustcaller", SECRET)
    outage.begin()

    with pytest.raises(DatabaseUnavailable) as info:
        await vault.put("ten_a", "trustcaller", {"api_key": "sk_live_TOP-SECRET-0003"})
    assert "TOP-SECRET" not in shown(info.value)
    with pytest.raises(DatabaseUnavailable):
        await vault.get_secret("ten_a", "trustcaller")
    with pytest.raises(DatabaseUnavailable):
        await vault.rotate_master_key()

    outage.end()
    assert await vault.get_secret("ten_a", "trustcaller") == SECRET


async def test_an_unreachable_server_is_database_unavailable(tmp_path: Path) -> None:
    missing = tmp_path / "no-server-here"
    missing.mkdir()
    database = Database(f"postgresql+asyncpg://postgres@/gateway?host={missing}")
    try:
        backend = LastKnownVaultBackend(SqlVaultBackend(database), LastKnown())
        with pytest.raises(DatabaseUnavailable):
            await backend.get("ten_a", "trustcaller")
        with pytest.raises(DatabaseUnavailable):
            await Vault(backend, KEYRING).put("ten_a", "trustcaller", SECRET)
    finally:
        await database.close()
