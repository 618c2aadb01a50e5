"""The vault over its SQL backend on embedded SQLite: write-only secrets, conditional writes, key
rotation, and stale-on-error reads during a database outage."""

from __future__ import annotations

import logging
import sqlite3
import stat
import traceback
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC
from pathlib import Path
from typing import Any

import msgspec
import pytest

from policies.clock import FakeClock
from policies.last_known import LastKnown
from policies.sql import Database, DatabaseUnavailable
from policies.sql.engine import EMBEDDED_DATABASE
from policies.vault import (
    UNSET,
    CredentialDecryptError,
    ExpectedFingerprint,
    Keyring,
    LastKnownVaultBackend,
    MasterKey,
    SealedSecret,
    SqlVaultBackend,
    StaleCredentialError,
    StoredCredential,
    Vault,
)
from tests.databases import migrated
from tests.vault_data import KEY_1, KEY_2, NEW_SECRET, SECRET, Hook


@pytest.fixture
def keyring_v1() -> Keyring:
    return Keyring([MasterKey(1, KEY_1)])


@pytest.fixture
def keyring_v1_v2() -> Keyring:
    return Keyring([MasterKey(1, KEY_1), MasterKey(2, KEY_2)])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db_path(data_dir: Path) -> Path:
    return data_dir / EMBEDDED_DATABASE


@pytest.fixture
async def database(data_dir: Path) -> AsyncIterator[Database]:
    database = await migrated(None, data_dir)
    yield database
    await database.close()


@pytest.fixture
def backend(database: Database) -> SqlVaultBackend:
    return SqlVaultBackend(database)


@pytest.fixture
def vault(backend: SqlVaultBackend, keyring_v1: Keyring) -> Vault:
    return Vault(backend, keyring_v1)


class InterleavingBackend:
    """A real backend with a concurrent writer that strikes just before each chosen write."""

    def __init__(
        self,
        inner: SqlVaultBackend,
        *,
        before_put: Hook | None = None,
        before_replace: Hook | None = None,
    ) -> None:
        self._inner = inner
        self._before_put = before_put
        self._before_replace = before_replace

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        return await self._inner.get(tenant_id, vendor)

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        if self._before_put:
            await self._before_put()
        return await self._inner.put(record, expected_fingerprint=expected_fingerprint)

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        return await self._inner.delete(tenant_id, vendor)

    async def delete_tenant(self, tenant_id: str) -> int:
        return await self._inner.delete_tenant(tenant_id)

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        return await self._inner.list_for_tenant(tenant_id)

    async def all_records(self) -> AsyncIterator[StoredCredential]:
        async for record in self._inner.all_records():
            yield record

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        if self._before_replace:
            await self._before_replace()
        return await self._inner.replace_sealed(tenant_id, vendor, old, new)

    async def close(self) -> None:
        await self._inner.close()


def rendered(value: object) -> str:
    if isinstance(value, BaseException):
        return "".join(traceback.format_exception(value)) + repr(value)
    return repr(value) + str(value) + f"{value}"


def assert_no_secret(text: str) -> None:
    for secret in (SECRET, NEW_SECRET):
        assert secret["api_key"] not in text
    for key in (KEY_1, KEY_2):
        assert repr(key) not in text and key.hex() not in text


# --- the vault ---------------------------------------------------------------------------------


async def test_put_then_read_back(vault: Vault) -> None:
    metadata = await vault.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})

    assert await vault.get_secret("tenant-a", "vendor-x") == SECRET
    assert metadata == await vault.metadata("tenant-a", "vendor-x")
    assert metadata.vendor == "vendor-x"
    assert metadata.labels == {"key_id": "k-1"}
    assert metadata.master_key_version == 1
    assert metadata.created_at.tzinfo is not None
    assert metadata.created_at.utcoffset() == UTC.utcoffset(None)
    assert metadata.rotated_at is None
    assert metadata.fingerprint.startswith("sha256:")
    assert len(metadata.fingerprint) == len("sha256:") + 16


async def test_absent_credentials_read_as_none(vault: Vault) -> None:
    assert await vault.get_secret("tenant-a", "vendor-x") is None
    assert await vault.metadata("tenant-a", "vendor-x") is None
    assert await vault.delete("tenant-a", "vendor-x") is False


async def test_fingerprint_identifies_a_secret_per_tenant_and_vendor(vault: Vault) -> None:
    first = await vault.put("tenant-a", "vendor-x", SECRET)
    reordered = await vault.put("tenant-a", "vendor-x", dict(reversed(SECRET.items())))
    changed = await vault.put("tenant-a", "vendor-x", NEW_SECRET)
    other_tenant = await vault.put("tenant-b", "vendor-x", SECRET)
    other_vendor = await vault.put("tenant-a", "vendor-y", SECRET)

    assert reordered.fingerprint == first.fingerprint
    distinct = {m.fingerprint for m in (first, changed, other_tenant, other_vendor)}
    assert len(distinct) == 4


async def test_replacing_keeps_created_at_and_sets_rotated_at(vault: Vault) -> None:
    first = await vault.put("tenant-a", "vendor-x", SECRET)

    second = await vault.put("tenant-a", "vendor-x", NEW_SECRET)

    assert second.created_at == first.created_at
    assert second.rotated_at is not None and second.rotated_at >= first.created_at
    assert second.fingerprint != first.fingerprint
    assert await vault.get_secret("tenant-a", "vendor-x") == NEW_SECRET


async def test_conditional_puts(vault: Vault) -> None:
    created = await vault.put("tenant-a", "vendor-x", SECRET, expected_fingerprint=None)

    with pytest.raises(StaleCredentialError) as info:
        await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=None)
    with pytest.raises(StaleCredentialError):
        await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint="sha256:0")
    assert await vault.get_secret("tenant-a", "vendor-x") == SECRET
    assert_no_secret(rendered(info.value))

    await vault.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=created.fingerprint)
    assert await vault.get_secret("tenant-a", "vendor-x") == NEW_SECRET


async def test_a_write_racing_a_conditional_put_wins(
    backend: SqlVaultBackend, keyring_v1: Keyring
) -> None:
    other_replica = Vault(backend, keyring_v1)
    created = await other_replica.put("tenant-a", "vendor-x", SECRET)

    async def concurrent_write() -> None:
        await other_replica.put("tenant-a", "vendor-x", {"api_key": "concurrent"})

    vault = Vault(InterleavingBackend(backend, before_put=concurrent_write), keyring_v1)
    with pytest.raises(StaleCredentialError):
        await vault.put(
            "tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=created.fingerprint
        )

    assert await other_replica.get_secret("tenant-a", "vendor-x") == {"api_key": "concurrent"}


async def test_list_and_delete(vault: Vault) -> None:
    for vendor in ("vendor-z", "vendor-x", "vendor-y"):
        await vault.put("tenant-a", vendor, SECRET)
    await vault.put("tenant-b", "vendor-w", SECRET)

    assert [m.vendor for m in await vault.list("tenant-a")] == ["vendor-x", "vendor-y", "vendor-z"]
    assert await vault.delete("tenant-a", "vendor-y") is True
    assert await vault.get_secret("tenant-a", "vendor-y") is None
    assert [m.vendor for m in await vault.list("tenant-a")] == ["vendor-x", "vendor-z"]


@pytest.mark.parametrize(("tenant_id", "vendor"), [("tenant-b", "vendor-x"), ("tenant-a", "v-y")])
async def test_a_record_copied_elsewhere_does_not_decrypt(
    vault: Vault, backend: SqlVaultBackend, tenant_id: str, vendor: str
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await backend.get("tenant-a", "vendor-x")
    assert record is not None
    await backend.put(msgspec.structs.replace(record, tenant_id=tenant_id, vendor=vendor))

    with pytest.raises(CredentialDecryptError) as info:
        await vault.get_secret(tenant_id, vendor)
    assert_no_secret(rendered(info.value))


async def test_secrets_keys_and_records_never_show_in_reprs(
    vault: Vault, backend: SqlVaultBackend
) -> None:
    metadata = await vault.put("tenant-a", "vendor-x", SECRET)
    secret = await vault.get_secret("tenant-a", "vendor-x")
    record = await backend.get("tenant-a", "vendor-x")
    assert secret == SECRET and record is not None

    for value in (secret, record, metadata, vault, backend, [secret], {"s": secret}):
        assert_no_secret(rendered(value))
        assert record.sealed.ciphertext.hex() not in rendered(value)
    assert "api_key" in repr(secret)


async def test_invalid_secrets_are_refused_without_echoing_them(vault: Vault) -> None:
    with pytest.raises(ValueError, match="at least one field"):
        await vault.put("tenant-a", "vendor-x", {})
    with pytest.raises(TypeError) as info:
        await vault.put("tenant-a", "vendor-x", {"api_key": 42})  # type: ignore[dict-item]
    assert "42" not in str(info.value)


# --- master key rotation -----------------------------------------------------------------------


async def seed(vault: Vault, count: int) -> dict[tuple[str, str], dict[str, str]]:
    secrets = {}
    for i in range(count):
        secret = {"api_key": f"sk_live_{i}"}
        await vault.put(f"tenant-{i % 2}", f"vendor-{i}", secret)
        secrets[(f"tenant-{i % 2}", f"vendor-{i}")] = secret
    return secrets


async def test_rotation_rewraps_every_record_to_the_active_key(
    vault: Vault, backend: SqlVaultBackend, keyring_v1_v2: Keyring
) -> None:
    secrets = await seed(vault, 5)
    before = {m.vendor: m for t in ("tenant-0", "tenant-1") for m in await vault.list(t)}

    rotating = Vault(backend, keyring_v1_v2)
    report = await rotating.rotate_master_key()

    assert (report.active_version, report.rewrapped, report.already_current) == (2, 5, 0)
    assert (report.skipped_concurrent, report.failed) == (0, [])
    assert await rotating.get_secret("tenant-0", "vendor-0") == {"api_key": "sk_live_0"}
    only_v2 = Vault(backend, Keyring([MasterKey(2, KEY_2)]))
    for (tenant_id, vendor), secret in secrets.items():
        assert await only_v2.get_secret(tenant_id, vendor) == secret
        after = await only_v2.metadata(tenant_id, vendor)
        assert after == msgspec.structs.replace(before[vendor], master_key_version=2)

    again = await only_v2.rotate_master_key()
    assert (again.rewrapped, again.already_current) == (0, 5)


async def test_rotation_walks_more_records_than_one_batch(
    vault: Vault, backend: SqlVaultBackend, keyring_v1_v2: Keyring
) -> None:
    await seed(vault, 300)

    report = await Vault(backend, keyring_v1_v2).rotate_master_key()

    assert (report.rewrapped, report.already_current) == (300, 0)


async def test_rotation_reports_records_it_cannot_unwrap(
    vault: Vault,
    backend: SqlVaultBackend,
    keyring_v1_v2: Keyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    await Vault(backend, Keyring([MasterKey(9, KEY_2)])).put("tenant-a", "vendor-y", NEW_SECRET)
    good = await backend.get("tenant-a", "vendor-x")
    assert good is not None
    await backend.put(msgspec.structs.replace(good, vendor="vendor-z"))

    with caplog.at_level(logging.WARNING):
        report = await Vault(backend, keyring_v1_v2).rotate_master_key()

    assert report.rewrapped == 1
    assert report.failed == [("tenant-a", "vendor-y"), ("tenant-a", "vendor-z")]
    assert "vendor-z" in caplog.text
    assert_no_secret(caplog.text + rendered(report))


@pytest.mark.parametrize(
    ("writer_versions", "rewrapped", "already_current"),
    [((1,), 1, 0), ((1, 2), 0, 1)],
    ids=["old-replica-writes", "new-replica-writes"],
)
async def test_rotation_never_clobbers_a_concurrent_write(
    vault: Vault,
    backend: SqlVaultBackend,
    writer_versions: tuple[int, ...],
    rewrapped: int,
    already_current: int,
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    keys = {1: KEY_1, 2: KEY_2}
    writer = Vault(backend, Keyring([MasterKey(v, keys[v]) for v in writer_versions]))
    writes = 0

    async def write_once() -> None:
        nonlocal writes
        if writes == 0:
            writes += 1
            await writer.put("tenant-a", "vendor-x", NEW_SECRET)

    rotating = Vault(
        InterleavingBackend(backend, before_replace=write_once),
        Keyring([MasterKey(1, KEY_1), MasterKey(2, KEY_2)]),
    )
    report = await rotating.rotate_master_key()

    assert (report.rewrapped, report.already_current) == (rewrapped, already_current)
    assert report.skipped_concurrent == 0
    assert await rotating.get_secret("tenant-a", "vendor-x") == NEW_SECRET
    metadata = await rotating.metadata("tenant-a", "vendor-x")
    assert metadata is not None and metadata.master_key_version == 2


async def test_rotation_skips_a_record_that_keeps_changing(
    vault: Vault, backend: SqlVaultBackend, keyring_v1_v2: Keyring
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    writes: list[str] = []

    async def write_every_time() -> None:
        writes.append(f"sk_live_concurrent_{len(writes)}")
        await vault.put("tenant-a", "vendor-x", {"api_key": writes[-1]})

    rotating = Vault(InterleavingBackend(backend, before_replace=write_every_time), keyring_v1_v2)
    report = await rotating.rotate_master_key()

    assert (report.rewrapped, report.skipped_concurrent, len(writes)) == (0, 1, 2)
    assert await vault.get_secret("tenant-a", "vendor-x") == {"api_key": writes[-1]}


async def test_rotation_does_not_resurrect_a_record_deleted_meanwhile(
    vault: Vault, backend: SqlVaultBackend, keyring_v1_v2: Keyring
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)

    async def delete() -> None:
        await vault.delete("tenant-a", "vendor-x")

    rotating = Vault(InterleavingBackend(backend, before_replace=delete), keyring_v1_v2)
    report = await rotating.rotate_master_key()

    assert (report.rewrapped, report.skipped_concurrent) == (0, 1)
    assert await backend.get("tenant-a", "vendor-x") is None


# --- the SQL backend on embedded SQLite --------------------------------------------------------


async def test_records_persist_across_reopen(
    vault: Vault, backend: SqlVaultBackend, database: Database, data_dir: Path
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})
    await vault.put("tenant-a", "vendor-x", NEW_SECRET, labels={"key_id": "k-2"})
    stored = await backend.get("tenant-a", "vendor-x")
    await backend.close()
    await database.close()

    reopened_database = await migrated(None, data_dir)
    reopened = SqlVaultBackend(reopened_database)
    try:
        assert await reopened.get("tenant-a", "vendor-x") == stored
        assert stored is not None and stored.rotated_at is not None
        assert stored.labels == {"key_id": "k-2"}
        assert (
            await Vault(reopened, Keyring([MasterKey(1, KEY_1)])).get_secret("tenant-a", "vendor-x")
            == NEW_SECRET
        )
    finally:
        await reopened_database.close()


async def test_backend_conditional_put_semantics(vault: Vault, backend: SqlVaultBackend) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    original = await backend.get("tenant-a", "vendor-x")
    assert original is not None
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


async def test_replace_sealed_is_a_compare_and_swap(
    vault: Vault, backend: SqlVaultBackend, keyring_v1: Keyring
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    record = await backend.get("tenant-a", "vendor-x")
    assert record is not None
    stale = msgspec.structs.replace(record.sealed, nonce=b"\x00" * 12)
    new = msgspec.structs.replace(record.sealed, master_key_version=7)

    assert await backend.replace_sealed("tenant-a", "vendor-x", stale, new) is False
    assert await backend.get("tenant-a", "vendor-x") == record
    assert await backend.replace_sealed("tenant-a", "vendor-y", record.sealed, new) is False
    assert await backend.replace_sealed("tenant-a", "vendor-x", record.sealed, new) is True
    assert await backend.get("tenant-a", "vendor-x") == msgspec.structs.replace(record, sealed=new)


async def test_files_are_private(vault: Vault, db_path: Path) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)

    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_two_backends_on_one_file_share_writes(
    backend: SqlVaultBackend, data_dir: Path, keyring_v1: Keyring
) -> None:
    other_database = await migrated(None, data_dir)
    other = SqlVaultBackend(other_database)
    try:
        first, second = Vault(backend, keyring_v1), Vault(other, keyring_v1)
        await first.put("tenant-a", "vendor-x", SECRET)
        assert await second.get_secret("tenant-a", "vendor-x") == SECRET
        with pytest.raises(StaleCredentialError):
            await second.put("tenant-a", "vendor-x", NEW_SECRET, expected_fingerprint=None)
        await second.delete("tenant-a", "vendor-x")
        assert await first.get_secret("tenant-a", "vendor-x") is None
    finally:
        await other_database.close()


# --- stale-on-error reads during a database outage ---------------------------------------------


class Switchable:
    """A real backend whose database can be made unreachable (every call then fails as the
    engine fails when it cannot connect)."""

    def __init__(self, inner: SqlVaultBackend) -> None:
        self._inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise DatabaseUnavailable("the database is unavailable: ConnectionRefusedError")
            return await method(*args, **kwargs)

        return call

    async def all_records(self) -> AsyncIterator[StoredCredential]:
        if self.down:
            raise DatabaseUnavailable("the database is unavailable: ConnectionRefusedError")
        async for record in self._inner.all_records():
            yield record


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def last_known(clock: FakeClock) -> LastKnown:
    return LastKnown(max_stale_seconds=30, clock=clock)


@pytest.fixture
def switchable(backend: SqlVaultBackend) -> Switchable:
    return Switchable(backend)


@pytest.fixture
def remembering(switchable: Switchable, last_known: LastKnown, keyring_v1: Keyring) -> Vault:
    return Vault(LastKnownVaultBackend(switchable, last_known), keyring_v1)


async def test_reads_stay_fresh_while_the_database_answers(
    remembering: Vault, vault: Vault, last_known: LastKnown
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    assert await remembering.get_secret("tenant-a", "vendor-x") == SECRET
    assert [m.vendor for m in await remembering.list("tenant-a")] == ["vendor-x"]

    await vault.put("tenant-a", "vendor-x", NEW_SECRET)
    await vault.put("tenant-a", "vendor-y", SECRET)

    assert await remembering.get_secret("tenant-a", "vendor-x") == NEW_SECRET
    assert [m.vendor for m in await remembering.list("tenant-a")] == ["vendor-x", "vendor-y"]
    assert last_known.stale_reads == 0


async def test_an_outage_serves_the_last_sealed_records_for_a_bounded_time(
    remembering: Vault, switchable: Switchable, last_known: LastKnown, clock: FakeClock
) -> None:
    await remembering.put("tenant-a", "vendor-x", SECRET, labels={"key_id": "k-1"})
    metadata = await remembering.metadata("tenant-a", "vendor-x")
    listed = await remembering.list("tenant-a")
    switchable.down = True

    assert await remembering.get_secret("tenant-a", "vendor-x") == SECRET
    assert await remembering.metadata("tenant-a", "vendor-x") == metadata
    assert await remembering.list("tenant-a") == listed
    assert last_known.stale_reads == 3

    clock.advance(30)
    assert await remembering.get_secret("tenant-a", "vendor-x") == SECRET
    clock.advance(0.5)
    with pytest.raises(DatabaseUnavailable) as info:
        await remembering.get_secret("tenant-a", "vendor-x")
    with pytest.raises(DatabaseUnavailable):
        await remembering.list("tenant-a")
    assert_no_secret(rendered(info.value))


async def test_an_outage_with_nothing_remembered_is_database_unavailable(
    remembering: Vault, vault: Vault, switchable: Switchable
) -> None:
    await vault.put("tenant-a", "vendor-x", SECRET)
    switchable.down = True

    with pytest.raises(DatabaseUnavailable):
        await remembering.get_secret("tenant-a", "vendor-x")
    with pytest.raises(DatabaseUnavailable):
        await remembering.list("tenant-a")


async def test_writes_during_an_outage_raise_and_forget_what_they_wrote(
    remembering: Vault, switchable: Switchable, backend: SqlVaultBackend, keyring_v1_v2: Keyring
) -> None:
    await remembering.put("tenant-a", "vendor-x", SECRET)
    await remembering.put("tenant-a", "vendor-y", SECRET)
    record = await backend.get("tenant-a", "vendor-y")
    assert record is not None
    for vendor in ("vendor-x", "vendor-y"):
        assert await remembering.get_secret("tenant-a", vendor) == SECRET
    switchable.down = True

    with pytest.raises(DatabaseUnavailable) as info:
        await remembering.put("tenant-a", "vendor-x", NEW_SECRET)
    assert_no_secret(rendered(info.value))
    with pytest.raises(DatabaseUnavailable):
        await remembering.get_secret("tenant-a", "vendor-x")
    with pytest.raises(DatabaseUnavailable):
        await remembering.list("tenant-a")
    assert await remembering.get_secret("tenant-a", "vendor-y") == SECRET

    with pytest.raises(DatabaseUnavailable):
        await remembering.delete("tenant-a", "vendor-y")
    with pytest.raises(DatabaseUnavailable):
        await remembering.get_secret("tenant-a", "vendor-y")
    with pytest.raises(DatabaseUnavailable):
        await Vault(LastKnownVaultBackend(switchable, LastKnown()), keyring_v1_v2).put(
            "tenant-a", "vendor-z", SECRET, expected_fingerprint=None
        )
    with pytest.raises(DatabaseUnavailable):
        await remembering.delete_tenant("tenant-a")

    switchable.down = False
    assert await backend.get("tenant-a", "vendor-y") == record
    assert await remembering.get_secret("tenant-a", "vendor-x") == SECRET


async def test_a_rewrap_forgets_the_record_it_swapped(
    remembering: Vault, switchable: Switchable, last_known: LastKnown, keyring_v1_v2: Keyring
) -> None:
    await remembering.put("tenant-a", "vendor-x", SECRET)
    assert await remembering.get_secret("tenant-a", "vendor-x") == SECRET

    rotating = Vault(LastKnownVaultBackend(switchable, last_known), keyring_v1_v2)
    assert (await rotating.rotate_master_key()).rewrapped == 1
    switchable.down = True

    with pytest.raises(DatabaseUnavailable):
        await rotating.get_secret("tenant-a", "vendor-x")


async def test_erasing_a_tenant_forgets_every_answer_about_it(
    remembering: Vault, switchable: Switchable
) -> None:
    for tenant_id, vendor in [
        ("tenant-a", "vendor-x"),
        ("tenant-a", "vendor-y"),
        ("tenant-b", "vendor-x"),
    ]:
        await remembering.put(tenant_id, vendor, SECRET)
        assert await remembering.get_secret(tenant_id, vendor) == SECRET
    assert len(await remembering.list("tenant-a")) == 2
    assert len(await remembering.list("tenant-b")) == 1

    assert await remembering.delete_tenant("tenant-a") == 2
    switchable.down = True

    for vendor in ("vendor-x", "vendor-y"):
        with pytest.raises(DatabaseUnavailable):
            await remembering.get_secret("tenant-a", vendor)
    with pytest.raises(DatabaseUnavailable):
        await remembering.list("tenant-a")
    assert await remembering.get_secret("tenant-b", "vendor-x") == SECRET
    assert len(await remembering.list("tenant-b")) == 1
