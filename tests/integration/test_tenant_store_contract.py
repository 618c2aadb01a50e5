"""The tenant store contract, held by the SQL store on SQLite (a file) and PostgreSQL (a real
server) alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest

from gateway.auth.keys import Scope
from gateway.auth.sql_store import SqlTenantStore
from gateway.auth.store import ApiKeyRecord, Tenant, TenantStore
from policies.sql import Database
from tests.databases import migrated

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REFUSED = ValueError
OpenStore = Callable[[], TenantStore]


@pytest.fixture
async def open_store(database_url: str, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Opens stores over one migrated database, each on its own engine (as replicas would)."""
    first = await migrated(database_url, tmp_path)
    databases: list[Database] = []
    stores: list[TenantStore] = []

    def open_one() -> TenantStore:
        database = Database(first.url) if databases else first
        databases.append(database)
        stores.append(SqlTenantStore(database))
        return stores[-1]

    yield open_one
    for store in stores:
        await store.close()
    for database in databases or [first]:
        await database.close()


@pytest.fixture
async def store(open_store: OpenStore) -> TenantStore:
    store = open_store()
    for tenant_id in ("ten_a", "ten_b"):
        await store.create_tenant(Tenant(id=tenant_id, name=tenant_id, created_at=T0))
    return store


def key(key_id: str, tenant_id: str | None, minutes: int = 0) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=key_id,
        tenant_id=tenant_id,
        name=f"name of {key_id}",
        prefix="gw_abcdef...",
        scopes=(Scope.NUMBERS_READ, Scope.ADMIN),
        created_at=T0 + timedelta(minutes=minutes),
        key_hash=f"hash-of-{key_id}",
    )


async def test_tenants_are_listed_oldest_first_then_by_id(open_store: OpenStore) -> None:
    store = open_store()
    tenants = [
        Tenant(id="ten_b", name="late", created_at=T0 + timedelta(seconds=1)),
        Tenant(id="ten_c", name="early", created_at=T0),
        Tenant(id="ten_a", name="early too", created_at=T0),
    ]
    for tenant in tenants:
        await store.create_tenant(tenant)

    assert [t.id for t in await store.list_tenants()] == ["ten_a", "ten_c", "ten_b"]
    assert await store.get_tenant("ten_b") == tenants[0]
    assert await store.get_tenant("ten_x") is None
    with pytest.raises(REFUSED):
        await store.create_tenant(msgspec.structs.replace(tenants[0], name="impostor"))
    assert await store.get_tenant("ten_b") == tenants[0]
    assert len(await store.list_tenants()) == 3


async def test_ties_are_broken_by_id_in_byte_order(store: TenantStore) -> None:
    ids = ["ten_c", "ten_C", "ten_-x", "ten_a_"]
    for tenant_id in ids:
        await store.create_tenant(Tenant(id=tenant_id, name=tenant_id, created_at=T0))
        await store.add_key(key(f"key{tenant_id[3:]}", "ten_a"))

    assert [t.id for t in await store.list_tenants()] == sorted([*ids, "ten_a", "ten_b"])
    assert [r.id for r in await store.list_keys("ten_a")] == sorted(
        f"key{tenant_id[3:]}" for tenant_id in ids
    )


async def test_keys_are_listed_per_tenant_and_found_by_hash(store: TenantStore) -> None:
    added = [key("key_2", "ten_a", 1), key("key_3", "ten_a"), key("key_1", "ten_a", 1)]
    for record in [*added, key("key_b", "ten_b")]:
        await store.add_key(record)

    assert await store.list_keys("ten_a") == [added[1], added[2], added[0]]
    assert [r.id for r in await store.list_keys("ten_b")] == ["key_b"]
    assert await store.list_keys("ten_x") == []
    found = await store.find_active_key("hash-of-key_2")
    assert found == added[0] and found.key_hash == "hash-of-key_2"
    assert await store.find_active_key("hash-of-nothing") is None


async def test_keys_that_conflict_are_refused(store: TenantStore) -> None:
    await store.add_key(key("key_1", "ten_a"))

    with pytest.raises(REFUSED):
        await store.add_key(
            msgspec.structs.replace(key("key_2", "ten_a"), key_hash="hash-of-key_1")
        )
    with pytest.raises(REFUSED):
        await store.add_key(key("key_3", "ten_missing"))

    assert await store.find_active_key("hash-of-key_1") == key("key_1", "ten_a")
    assert await store.find_active_key("hash-of-key_3") is None
    assert [r.id for r in await store.list_keys("ten_a")] == ["key_1"]
    assert await store.list_keys("ten_missing") == []


async def test_revoking_is_idempotent_and_keeps_the_first_time(store: TenantStore) -> None:
    await store.add_key(key("key_1", "ten_a"))
    await store.add_key(key("key_2", "ten_a"))
    first, later = T0 + timedelta(hours=1), T0 + timedelta(hours=2)

    assert await store.revoke_key("ten_a", "key_1", first) is True
    assert await store.revoke_key("ten_a", "key_1", later) is True

    listed = {r.id: r for r in await store.list_keys("ten_a")}
    assert listed["key_1"].revoked_at == first
    assert listed["key_2"].revoked_at is None
    assert await store.find_active_key("hash-of-key_1") is None
    assert await store.find_active_key("hash-of-key_2") == key("key_2", "ten_a")


async def test_revoking_is_scoped_to_the_tenant(store: TenantStore) -> None:
    await store.add_key(key("key_a", "ten_a"))
    await store.add_key(key("key_op", None))

    assert await store.revoke_key("ten_b", "key_a", T0) is False
    assert await store.revoke_key("ten_a", "key_missing", T0) is False
    assert await store.revoke_key("ten_a", "key_op", T0) is False
    assert await store.revoke_key("ten_missing", "key_a", T0) is False

    assert await store.find_active_key("hash-of-key_a") == key("key_a", "ten_a")
    assert await store.find_active_key("hash-of-key_op") == key("key_op", None)
    assert await store.list_keys("ten_b") == []


async def test_operator_keys(store: TenantStore) -> None:
    assert await store.has_operator_key() is False
    assert await store.revoke_operator_keys(T0) == 0
    await store.add_key(key("key_t", "ten_a"))
    assert await store.has_operator_key() is False
    revoked = msgspec.structs.replace(key("key_old", None), revoked_at=T0)
    for record in (key("key_op1", None), key("key_op2", None, 1), revoked):
        await store.add_key(record)
    assert await store.has_operator_key() is True
    assert await store.find_active_key("hash-of-key_old") is None

    assert await store.revoke_operator_keys(T0 + timedelta(hours=1)) == 2
    assert await store.revoke_operator_keys(T0 + timedelta(hours=2)) == 0

    assert await store.has_operator_key() is False
    assert await store.find_active_key("hash-of-key_op1") is None
    assert await store.find_active_key("hash-of-key_t") == key("key_t", "ten_a")
    assert await store.list_keys("ten_a") == [key("key_t", "ten_a")]


async def test_two_instances_see_each_others_writes(open_store: OpenStore) -> None:
    first, second = open_store(), open_store()
    tenant = Tenant(id="ten_a", name="acme", created_at=T0)

    await first.create_tenant(tenant)
    await first.add_key(key("key_1", "ten_a"))
    assert await second.get_tenant("ten_a") == tenant
    assert await second.list_tenants() == [tenant]
    assert await second.find_active_key("hash-of-key_1") == key("key_1", "ten_a")

    assert await second.revoke_key("ten_a", "key_1", T0) is True
    assert await first.find_active_key("hash-of-key_1") is None
    await second.add_key(key("key_op", None))
    assert await first.has_operator_key() is True


async def test_times_come_back_in_utc(store: TenantStore) -> None:
    paris = timezone(timedelta(hours=2))
    tenant = Tenant(id="ten_tz", name="tz", created_at=T0.astimezone(paris))
    await store.create_tenant(tenant)
    record = msgspec.structs.replace(
        key("key_tz", "ten_tz"), created_at=T0.astimezone(paris), scopes=()
    )
    await store.add_key(record)
    await store.revoke_key("ten_tz", "key_tz", (T0 + timedelta(hours=1)).astimezone(paris))

    stored = await store.get_tenant("ten_tz")
    [listed] = await store.list_keys("ten_tz")
    assert stored is not None and stored.created_at == T0 and stored.created_at.tzinfo is UTC
    assert (listed.created_at, listed.created_at.tzinfo, listed.scopes) == (T0, UTC, ())
    assert listed.revoked_at == T0 + timedelta(hours=1) and listed.revoked_at.tzinfo is UTC


async def test_a_disabled_tenants_keys_are_not_active_until_it_is_enabled(
    store: TenantStore,
) -> None:
    for record in (key("key_a", "ten_a"), key("key_b", "ten_b"), key("key_op", None)):
        await store.add_key(record)
    disabled, later = T0 + timedelta(days=1), T0 + timedelta(days=2)

    assert await store.set_disabled("ten_a", disabled) == Tenant(
        id="ten_a", name="ten_a", created_at=T0, disabled_at=disabled
    )
    assert await store.find_active_key("hash-of-key_a") is None
    assert await store.find_active_key("hash-of-key_b") == key("key_b", "ten_b")
    assert await store.find_active_key("hash-of-key_op") == key("key_op", None)
    assert await store.has_operator_key() is True
    assert await store.list_keys("ten_a") == [key("key_a", "ten_a")]

    again = await store.set_disabled("ten_a", later)
    assert again is not None and again.disabled_at == disabled
    assert [(t.id, t.disabled_at) for t in await store.list_tenants()] == [
        ("ten_a", disabled),
        ("ten_b", None),
    ]
    stored = await store.get_tenant("ten_a")
    assert stored is not None and stored.disabled_at == disabled
    assert stored.disabled_at.tzinfo is UTC

    enabled = await store.set_disabled("ten_a", None)
    assert enabled == Tenant(id="ten_a", name="ten_a", created_at=T0)
    assert await store.get_tenant("ten_a") == enabled
    assert await store.find_active_key("hash-of-key_a") == key("key_a", "ten_a")
    assert await store.set_disabled("ten_missing", disabled) is None
    assert await store.set_disabled("ten_missing", None) is None
    assert await store.get_tenant("ten_missing") is None


async def test_revoked_keys_of_a_re_enabled_tenant_stay_revoked(store: TenantStore) -> None:
    await store.add_key(key("key_a", "ten_a"))
    await store.set_disabled("ten_a", T0)
    assert await store.revoke_key("ten_a", "key_a", T0) is True

    await store.set_disabled("ten_a", None)

    assert await store.find_active_key("hash-of-key_a") is None


async def test_erasing_a_tenant_deletes_it_and_its_keys_only(store: TenantStore) -> None:
    for record in (key("key_a1", "ten_a"), key("key_a2", "ten_a", 1), key("key_b", "ten_b")):
        await store.add_key(record)
    await store.add_key(key("key_op", None))
    await store.revoke_key("ten_a", "key_a2", T0)

    assert await store.erase_tenant("ten_a") is True

    assert await store.get_tenant("ten_a") is None
    assert [t.id for t in await store.list_tenants()] == ["ten_b"]
    assert await store.list_keys("ten_a") == []
    assert await store.find_active_key("hash-of-key_a1") is None
    assert await store.revoke_key("ten_a", "key_a1", T0) is False
    assert await store.find_active_key("hash-of-key_b") == key("key_b", "ten_b")
    assert await store.find_active_key("hash-of-key_op") == key("key_op", None)
    assert await store.list_keys("ten_b") == [key("key_b", "ten_b")]
    assert await store.erase_tenant("ten_a") is False
    assert await store.erase_tenant("ten_missing") is False


async def test_an_erased_tenants_id_and_key_hashes_can_be_used_again(store: TenantStore) -> None:
    await store.add_key(key("key_a", "ten_a"))
    await store.set_disabled("ten_a", T0)
    assert await store.erase_tenant("ten_a") is True

    with pytest.raises(REFUSED):
        await store.add_key(key("key_a2", "ten_a"))
    await store.create_tenant(Tenant(id="ten_a", name="again", created_at=T0))
    await store.add_key(key("key_a", "ten_a"))

    tenant = await store.get_tenant("ten_a")
    assert tenant is not None and (tenant.name, tenant.disabled_at) == ("again", None)
    assert await store.find_active_key("hash-of-key_a") == key("key_a", "ten_a")


async def test_a_keys_last_use_only_moves_forward(store: TenantStore) -> None:
    await store.add_key(key("key_1", "ten_a"))
    used = T0 + timedelta(hours=1)

    await store.note_key_used("key_1", used)
    await store.note_key_used("key_1", used - timedelta(minutes=5))
    await store.note_key_used("key_nothing", used)

    (listed,) = await store.list_keys("ten_a")
    assert listed.last_used_at == used
