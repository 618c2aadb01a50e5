"""The tenant store contract, held by SQLite (a file) and Redis (a real server) alike."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from redis.asyncio import Redis

from gateway.auth.keys import Scope
from gateway.auth.redis_store import RedisTenantStore
from gateway.auth.store import ApiKeyRecord, SQLiteTenantStore, Tenant, TenantStore
from gateway.services import open_stores
from gateway.settings import Settings, StoreSettings
from policies.redis_client import RedisSettings, create_redis
from policies.vault import Keyring, MasterKey, Vault
from policies.vault.redis_backend import RedisVaultBackend

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REFUSED = (ValueError, sqlite3.IntegrityError)
OpenStore = Callable[[], TenantStore]


@pytest.fixture(params=["sqlite", "redis"])
async def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Opens stores over one shared storage: a SQLite file, or one Redis with a client each."""
    opened: list[TenantStore] = []
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""

    def open_one() -> TenantStore:
        store: TenantStore
        if request.param == "sqlite":
            store = SQLiteTenantStore(tmp_path / "tenants.db")
        else:
            store = RedisTenantStore(create_redis(RedisSettings(url=url)), owns_client=True)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        await store.close()


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


async def connections(redis: Redis) -> int:
    return len(await redis.client_list())


async def test_open_stores_uses_redis_when_a_url_is_set(redis_url: str, tmp_path: Path) -> None:
    keyring = Keyring([MasterKey(1, bytes(32))])
    settings = Settings(
        stores=StoreSettings(data_dir=tmp_path / "data", vault_keys=keyring, redis_url=redis_url)
    )
    observer = create_redis(RedisSettings(url=redis_url))
    try:
        tenants, vault = open_stores(settings)
        await tenants.create_tenant(Tenant(id="ten_a", name="acme", created_at=T0))
        await vault.put("ten_a", "trustcaller", {"token": "t"})
        assert await connections(observer) > 1

        await tenants.close()
        assert await vault.get_secret("ten_a", "trustcaller") == {"token": "t"}
        await vault.close()

        for _ in range(50):
            if await connections(observer) == 1:
                break
            await asyncio.sleep(0.01)
        assert await connections(observer) == 1
        assert await RedisTenantStore(observer).get_tenant("ten_a") is not None
        assert await Vault(RedisVaultBackend(observer), keyring).list("ten_a") != []
        assert not settings.stores.data_dir.exists()
    finally:
        await observer.aclose()


async def test_open_stores_is_embedded_without_a_url(tmp_path: Path) -> None:
    keyring = Keyring([MasterKey(1, bytes(32))])
    settings = Settings(stores=StoreSettings(data_dir=tmp_path / "data", vault_keys=keyring))

    tenants, vault = open_stores(settings)
    try:
        assert isinstance(tenants, SQLiteTenantStore)
        assert sorted(p.name for p in settings.stores.data_dir.glob("*.sqlite3")) == [
            "tenants.sqlite3",
            "vault.sqlite3",
        ]
    finally:
        await tenants.close()
        await vault.close()
