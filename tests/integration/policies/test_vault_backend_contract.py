"""The vault backend contract, held by the SQL backend on SQLite (a file) and PostgreSQL (a real
server) alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from policies.sql import Database
from policies.sql import database_url as engine_url
from policies.sql.schema import credentials
from policies.vault import (
    UNSET,
    BudgetLimit,
    CredentialDecryptError,
    ExpectedFingerprint,
    Keyring,
    MasterKey,
    SealedSecret,
    SqlVaultBackend,
    StaleCredentialError,
    StoredCredential,
    Vault,
    VaultBackend,
)
from tests.databases import migrated
from tests.vault_data import KEY_1, KEY_2, NEW_SECRET, SECRET, Hook

V1 = Keyring([MasterKey(1, KEY_1)])
V1_V2 = Keyring([MasterKey(1, KEY_1), MasterKey(2, KEY_2)])
ONLY_V2 = Keyring([MasterKey(2, KEY_2)])

OpenBackend = Callable[[], VaultBackend]


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database of each engine."""
    database = await migrated(database_url, tmp_path)
    yield database
    await database.close()


@pytest.fixture
async def open_backend(
    database: Database, database_url: str, tmp_path: Path
) -> AsyncIterator[OpenBackend]:
    """Opens backends over one shared database, each on an engine of its own (as replicas do)."""
    engines: list[Database] = []

    def open_one() -> VaultBackend:
        engine = Database(engine_url(database_url, tmp_path))
        engines.append(engine)
        return SqlVaultBackend(engine)

    yield open_one
    for engine in engines:
        await engine.close()


@pytest.fixture
def backend(database: Database) -> VaultBackend:
    return SqlVaultBackend(database)


@pytest.fixture
def vault(backend: VaultBackend) -> Vault:
    return Vault(backend, V1)


class Interleaving:
    """A real backend with a concurrent writer that strikes just before each chosen write."""

    def __init__(
        self,
        inner: VaultBackend,
        *,
        before_put: Hook | None = None,
        before_replace: Hook | None = None,
    ) -> None:
        self._inner = inner
        self._before_put = before_put
        self._before_replace = before_replace

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        if self._before_put:
            await self._before_put()
        return await self._inner.put(record, expected_fingerprint=expected_fingerprint)

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        if self._before_replace:
            await self._before_replace()
        return await self._inner.replace_sealed(tenant_id, vendor, old, new)


async def stored(backend: VaultBackend, tenant_id: str, vendor: str) -> StoredCredential:
    record = await backend.get(tenant_id, vendor)
    assert record is not None
    return record


async def test_round_trip_through_the_vault(vault: Vault, backend: VaultBackend) -> None:
    metadata = await vault.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})

    assert await vault.get_secret("tenant-a", "vendor-x") == SECRET
    assert await vault.metadata("tenant-a", "vendor-x") == metadata
    assert (metadata.master_key_version, metadata.labels) == (1, {"key_id": "k-1"})
    assert metadata.created_at.utcoffset() is not None and metadata.rotated_at is None
    assert await vault.get_secret("tenant-a", "vendor-y") is None
    assert await vault.metadata("tenant-b", "vendor-x") is None

    second = await vault.put("tenant-a", "vendor-x", NEW_SECRET)
    assert second.created_at == metadata.created_at
    assert second.rotated_at is not None and second.rotated_at >= metadata.created_at
    assert await vault.get_secret("tenant-a", "vendor-x") == NEW_SECRET
    assert SECRET["api_key"] not in repr(await stored(backend, "tenant-a", "vendor-x"))


async def test_conditional_puts_through_the_vault(vault: Vault) -> None:
    created = await vault.put("tenant-a", "vendor-x", SECRET, expected_fingerprint=None)

    with pytest.raises(StaleCredentialError):
        await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=None)
    with pytest.raises(StaleCredentialError):
        await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint="sha256:0")
    assert await vault.get_secret("tenant-a", "vendor-x") == SECRET

    await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=created.fingerprint)
    assert await vault.get_secret("tenant-a", "vendor-x") == NEW_SECRET


async def test_conditional_put_semantics(vault: Vault, backend: VaultBackend) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    original = await stored(backend, "tenant-a", "vendor-x")
    changed = msgspec.structs.replace(original, fingerprint="sha256:changed", labels={"n": "1"})
    absent = msgspec.structs.replace(changed, vendor="vendor-new")

    assert await backend.put(changed, expected_fingerprint=None) is False
    assert await backend.put(changed, expected_fingerprint="sha256:other") is False
    assert await backend.get("tenant-a", "vendor-x") == original
    assert await backend.put(changed, expected_fingerprint=original.fingerprint) is True
    assert await backend.get("tenant-a", "vendor-x") == changed
    assert await backend.put(original) is True
    assert await backend.get("tenant-a", "vendor-x") == original

    assert await backend.put(absent, expected_fingerprint="sha256:changed") is False
    assert await backend.get("tenant-a", "vendor-new") is None
    assert await backend.put(absent, expected_fingerprint=None) is True
    assert await backend.get("tenant-a", "vendor-new") == absent
    listed = await backend.list_for_tenant("tenant-a")
    assert [r.vendor for r in listed] == ["vendor-new", "vendor-x"]


async def test_a_write_racing_a_conditional_put_wins(open_backend: OpenBackend) -> None:
    other_replica = Vault(open_backend(), V1)
    fp = (await other_replica.put("tenant-a", "vendor-x", SECRET)).fingerprint

    async def concurrent_write() -> None:
        await other_replica.put("tenant-a", "vendor-x", {"api_key": "concurrent"})

    vault = Vault(Interleaving(open_backend(), before_put=concurrent_write), V1)
    with pytest.raises(StaleCredentialError):
        await vault.put("tenant-a", "vendor-x", {"api_key": "late"}, expected_fingerprint=fp)
    assert await other_replica.get_secret("tenant-a", "vendor-x") == {"api_key": "concurrent"}


async def test_replace_sealed_is_a_compare_and_swap(vault: Vault, backend: VaultBackend) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await stored(backend, "tenant-a", "vendor-x")
    stale = msgspec.structs.replace(record.sealed, nonce=b"\x00" * 12)
    new = msgspec.structs.replace(record.sealed, master_key_version=7)

    assert await backend.replace_sealed("tenant-a", "vendor-x", stale, new) is False
    assert await backend.get("tenant-a", "vendor-x") == record
    assert await backend.replace_sealed("tenant-a", "vendor-y", record.sealed, new) is False
    assert await backend.get("tenant-a", "vendor-y") is None
    assert await backend.replace_sealed("tenant-a", "vendor-x", record.sealed, new) is True
    assert await backend.get("tenant-a", "vendor-x") == msgspec.structs.replace(record, sealed=new)
    assert await backend.replace_sealed("tenant-a", "vendor-x", record.sealed, new) is False


async def test_list_and_delete(vault: Vault, backend: VaultBackend) -> None:
    for vendor in ("vendor-z", "vendor-x", "vendor-y"):
        await vault.put("tenant-a", vendor, SECRET)
    await vault.put("tenant-b", "vendor-w", SECRET)

    assert [m.vendor for m in await vault.list("tenant-a")] == ["vendor-x", "vendor-y", "vendor-z"]
    assert await vault.delete("tenant-a", "vendor-y") is True
    assert await vault.delete("tenant-a", "vendor-y") is False
    assert await vault.get_secret("tenant-a", "vendor-y") is None
    assert [r.vendor for r in await backend.list_for_tenant("tenant-a")] == ["vendor-x", "vendor-z"]
    assert [r.vendor for r in await backend.list_for_tenant("tenant-b")] == ["vendor-w"]
    assert await backend.list_for_tenant("tenant-c") == []


async def test_all_records_walks_every_tenant_past_one_batch(
    vault: Vault, backend: VaultBackend
) -> None:
    await vault.put("tenant-999", "vendor-x", SECRET)
    record = await stored(backend, "tenant-999", "vendor-x")
    wanted = [(f"tenant-{i:03d}", "vendor-x") for i in range(280)]
    wanted += [("tenant-bulk", f"vendor-{i:03d}") for i in range(280)]
    for tenant_id, vendor in wanted:
        await backend.put(msgspec.structs.replace(record, tenant_id=tenant_id, vendor=vendor))

    seen = []
    async for found in backend.all_records():
        seen.append((found.tenant_id, found.vendor))
        if len(seen) == 10:
            await backend.delete("tenant-999", "vendor-x")
            await backend.put(msgspec.structs.replace(record, tenant_id="tenant-new"))

    assert sorted(seen) == seen
    assert set(wanted) <= set(seen) <= {*wanted, ("tenant-new", "vendor-x")}
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(("tenant_id", "vendor"), [("tenant-b", "vendor-x"), ("tenant-a", "v-y")])
async def test_a_record_copied_elsewhere_does_not_decrypt(
    vault: Vault, backend: VaultBackend, tenant_id: str, vendor: str
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await stored(backend, "tenant-a", "vendor-x")
    await backend.put(msgspec.structs.replace(record, tenant_id=tenant_id, vendor=vendor))

    with pytest.raises(CredentialDecryptError) as info:
        await vault.get_secret(tenant_id, vendor)
    assert SECRET["api_key"] not in str(info.value) + repr(info.value)


async def test_master_key_rotation(vault: Vault, backend: VaultBackend) -> None:
    for i in range(300):
        await vault.put(f"tenant-{i % 3}", f"vendor-{i:03d}", {"api_key": f"sk_live_{i}"})

    report = await Vault(backend, V1_V2).rotate_master_key()

    assert (report.active_version, report.rewrapped, report.already_current) == (2, 300, 0)
    assert (report.skipped_concurrent, report.failed) == (0, [])
    only_v2 = Vault(backend, ONLY_V2)
    assert await only_v2.get_secret("tenant-2", "vendor-005") == {"api_key": "sk_live_5"}
    again = await only_v2.rotate_master_key()
    assert (again.rewrapped, again.already_current) == (0, 300)


@pytest.mark.parametrize("race", ["write", "delete"])
async def test_rotation_never_clobbers_a_concurrent_change(
    vault: Vault, backend: VaultBackend, race: str
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    changes: list[str] = []

    async def change_once() -> None:
        if not changes:
            changes.append(race)
            if race == "write":
                await vault.put("tenant-a", "vendor-x", NEW_SECRET)
            else:
                await vault.delete("tenant-a", "vendor-x")

    rotating = Vault(Interleaving(backend, before_replace=change_once), V1_V2)
    report = await rotating.rotate_master_key()

    if race == "write":
        assert (report.rewrapped, report.skipped_concurrent) == (1, 0)
        assert await Vault(backend, ONLY_V2).get_secret("tenant-a", "vendor-x") == NEW_SECRET
    else:
        assert (report.rewrapped, report.skipped_concurrent) == (0, 1)
        assert await backend.get("tenant-a", "vendor-x") is None


async def test_two_instances_see_each_others_writes(open_backend: OpenBackend) -> None:
    first, second = Vault(open_backend(), V1), Vault(open_backend(), V1)

    await first.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})
    assert await second.get_secret("tenant-a", "vendor-x") == SECRET
    await second.put("tenant-a", "vendor-x", NEW_SECRET)
    assert await first.get_secret("tenant-a", "vendor-x") == NEW_SECRET
    assert await second.delete("tenant-a", "vendor-x") is True
    assert await first.list("tenant-a") == []


async def test_naive_timestamps_are_refused(vault: Vault, backend: VaultBackend) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await stored(backend, "tenant-a", "vendor-x")
    naive = msgspec.structs.replace(record, updated_at=record.updated_at.replace(tzinfo=None))

    with pytest.raises(ValueError, match="timezone-aware"):
        await backend.put(naive)
    assert await backend.get("tenant-a", "vendor-x") == record


async def test_times_come_back_in_utc(vault: Vault, backend: VaultBackend) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await stored(backend, "tenant-a", "vendor-x")
    elsewhere = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=elsewhere)
    await backend.put(msgspec.structs.replace(record, created_at=moment, rotated_at=moment))

    found = await stored(backend, "tenant-a", "vendor-x")
    assert found.created_at == moment and found.rotated_at == moment
    for time in (found.created_at, found.rotated_at, found.updated_at):
        assert time is not None and time.tzinfo is UTC
    assert all(r.created_at.tzinfo is UTC for r in await backend.list_for_tenant("tenant-a"))
    assert [r.updated_at.tzinfo async for r in backend.all_records()] == [UTC]


async def test_stored_bytes_hold_no_plaintext(vault: Vault, database: Database) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})

    async with database.begin() as connection:
        row = (await connection.execute(select(credentials))).one()

    stored_bytes = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in row
    )
    for value in SECRET.values():
        assert value.encode() not in stored_bytes
    assert msgspec.json.decode(row.labels) == {"key_id": "k-1"}


@pytest.mark.parametrize(
    ("tenant_id", "vendor"),
    [
        ("a}", "x"),
        ("a", "}x"),
        ("a:cred:b", "x"),
        ("a", "b:cred:x"),
        ("", "vendors"),
        ("a", ""),
        ("a'; DROP TABLE credentials; --", "x"),
        ("a%", "x"),
        ("a", "x_"),
    ],
)
async def test_ids_cannot_reach_another_record(vault: Vault, tenant_id: str, vendor: str) -> None:
    await vault.put("a", "x", SECRET)
    await vault.put("a", "vendors", {"api_key": "other"})

    await vault.put(tenant_id, vendor, {"api_key": "forged"})

    assert await vault.get_secret("a", "x") == SECRET
    assert await vault.get_secret("a", "vendors") == {"api_key": "other"}
    assert await vault.get_secret(tenant_id, vendor) == {"api_key": "forged"}
    assert vendor in [m.vendor for m in await vault.list(tenant_id)]
    assert await vault.delete(tenant_id, vendor) is True
    assert await vault.get_secret("a", "x") == SECRET


async def test_delete_tenant_destroys_only_that_tenants_records(
    vault: Vault, backend: VaultBackend
) -> None:
    for vendor in ("vendor-x", "vendor-y", "vendor-z"):
        await vault.put("tenant-a", vendor, SECRET)
    await vault.put("tenant-ab", "vendor-x", SECRET)
    await vault.put("tenant-b", "vendor-x", SECRET)

    assert await vault.delete_tenant("tenant-a") == 3
    assert await backend.delete_tenant("tenant-a") == 0

    assert await vault.list("tenant-a") == []
    assert await vault.get_secret("tenant-a", "vendor-x") is None
    assert await vault.get_secret("tenant-ab", "vendor-x") == SECRET
    assert [(r.tenant_id, r.vendor) async for r in backend.all_records()] == [
        ("tenant-ab", "vendor-x"),
        ("tenant-b", "vendor-x"),
    ]
    await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=None)
    assert await vault.get_secret("tenant-a", "vendor-x") == NEW_SECRET


async def test_list_is_in_code_point_order(vault: Vault) -> None:
    vendors = ["b", "B", "a-z", "a_z", "az", "a", "Z", "é", "e", "10", "9"]
    for vendor in vendors:
        await vault.put("tenant-a", vendor, SECRET)

    assert [m.vendor for m in await vault.list("tenant-a")] == sorted(vendors)


async def test_close_leaves_the_database_open(vault: Vault, database: Database) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)

    await SqlVaultBackend(database).close()

    assert await Vault(SqlVaultBackend(database), V1).get_secret("tenant-a", "vendor-x") == SECRET


def test_reprs_show_no_connection_details() -> None:
    database = Database("postgresql+asyncpg://gateway:hunter2@db.internal:5432/gateway")

    shown = repr(Vault(SqlVaultBackend(database), V1))

    assert "hunter2" not in shown and "db.internal" not in shown
    assert "SqlVaultBackend(dialect='postgresql')" in shown


async def test_budget_overrides_are_read_with_their_credential_and_deleted_with_it(
    vault: Vault, backend: VaultBackend
) -> None:
    await vault.put("t1", "acme", SECRET)
    await vault.put("t1", "other", SECRET)
    await vault.put("t2", "acme", SECRET)

    assert await vault.set_budget("t1", "acme", "default", BudgetLimit(600, 60.0)) is not None
    assert await vault.set_budget("t1", "acme", "batch", BudgetLimit(5, 1.5)) is not None
    assert await vault.set_budget("t1", "acme", "default", BudgetLimit(700, 60.0)) is not None

    opened = await vault.open("t1", "acme")
    assert opened is not None and opened.secret == SECRET
    assert opened.budgets == {"default": BudgetLimit(700, 60.0), "batch": BudgetLimit(5, 1.5)}
    assert [m.budgets for m in await vault.list("t1")] == [
        {"default": BudgetLimit(700, 60.0), "batch": BudgetLimit(5, 1.5)},
        {},
    ]
    assert (await vault.metadata("t2", "acme")).budgets == {}  # type: ignore[union-attr]

    replaced = await vault.put("t1", "acme", NEW_SECRET)
    assert replaced.budgets["default"] == BudgetLimit(700, 60.0)  # a new secret keeps them

    reset = await vault.set_budget("t1", "acme", "batch", None)
    assert reset is not None and reset.budgets == {"default": BudgetLimit(700, 60.0)}

    assert await vault.delete("t1", "acme")
    await vault.put("t1", "acme", SECRET)
    assert (await vault.metadata("t1", "acme")).budgets == {}  # type: ignore[union-attr]


async def test_a_budget_of_no_stored_credential_is_refused(vault: Vault) -> None:
    assert await vault.set_budget("t1", "acme", "default", BudgetLimit(1, 1.0)) is None
    assert await vault.set_budget("t1", "acme", "default", None) is None
    assert await vault.metadata("t1", "acme") is None
