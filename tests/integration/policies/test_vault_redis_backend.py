"""What only the Redis vault backend promises: its key layout, isolation and failure modes.

The behaviour it shares with SQLite is pinned in ``test_vault_backend_contract.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from policies.redis_client import REDIS_ERRORS, RedisSettings, create_redis
from policies.vault import Keyring, MasterKey, Vault
from policies.vault.redis_backend import RedisVaultBackend
from tests.redis_server import RedisServer

SECRET = {"api_key": "sk_live_TOP-SECRET-0001"}
KEYRING = Keyring([MasterKey(1, bytes(range(32)))])


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client on an empty Redis, with short timeouts."""
    client = create_redis(RedisSettings(url=redis_url, socket_timeout=0.2, connect_timeout=0.2))
    yield client
    await client.aclose()


@pytest.fixture
def vault(redis: Redis) -> Vault:
    return Vault(RedisVaultBackend(redis), KEYRING)


async def all_keys(redis: Redis) -> list[str]:
    return sorted([key.decode() async for key in redis.scan_iter(count=100)])


async def test_a_tenants_keys_share_one_cluster_slot(vault: Vault, redis: Redis) -> None:
    await vault.put("ten_a", "trustcaller", SECRET)
    await vault.put("ten_a", "other", SECRET)

    keys = await all_keys(redis)

    assert keys == [
        "gw:vault:tenants",
        "gw:vault:{tenant:ten_a}:cred:other",
        "gw:vault:{tenant:ten_a}:cred:trustcaller",
        "gw:vault:{tenant:ten_a}:vendors",
    ]
    assert len({key_slot(key.encode()) for key in keys if "{" in key}) == 1


async def test_stored_bytes_hold_no_plaintext(vault: Vault, redis: Redis) -> None:
    await vault.put("ten_a", "trustcaller", SECRET, labels={"key_id": "k-1"})

    record = await redis.hgetall("gw:vault:{tenant:ten_a}:cred:trustcaller")

    assert sorted(record) == [b"fingerprint", b"meta", b"sealed"]
    assert all(SECRET["api_key"].encode() not in value for value in record.values())
    assert b"k-1" in record[b"meta"]


@pytest.mark.parametrize(
    ("tenant_id", "vendor"),
    [("a}", "x"), ("a", "}x"), ("a:cred:b", "x"), ("a", "b:cred:x"), ("", "vendors"), ("a", "")],
)
async def test_ids_cannot_forge_another_key(
    vault: Vault, redis: Redis, tenant_id: str, vendor: str
) -> None:
    await vault.put("a", "x", SECRET)
    await vault.put("a", "vendors", {"api_key": "other"})

    await vault.put(tenant_id, vendor, {"api_key": "forged"})

    assert await vault.get_secret("a", "x") == SECRET
    assert await vault.get_secret("a", "vendors") == {"api_key": "other"}
    assert await vault.get_secret(tenant_id, vendor) == {"api_key": "forged"}
    assert vendor in [m.vendor for m in await vault.list(tenant_id)]
    tag = f"{{tenant:{quote(tenant_id, safe='')}}}"
    assert len({key_slot(k.encode()) for k in await all_keys(redis) if tag in k}) == 1


async def test_prefixes_keep_deployments_apart(redis: Redis) -> None:
    blue = Vault(RedisVaultBackend(redis, prefix="blue"), KEYRING)
    green = Vault(RedisVaultBackend(redis, prefix="green"), KEYRING)

    await blue.put("ten_a", "trustcaller", SECRET)

    assert await green.get_secret("ten_a", "trustcaller") is None
    assert await green.list("ten_a") == []
    assert (await green.rotate_master_key()).already_current == 0
    with pytest.raises(ValueError, match="hash tags"):
        RedisVaultBackend(redis, prefix="{gw}")


async def test_scripts_survive_a_script_cache_flush(vault: Vault, redis: Redis) -> None:
    created = await vault.put("ten_a", "trustcaller", SECRET, expected_fingerprint=None)
    await redis.script_flush()

    await vault.put(
        "ten_a", "trustcaller", {"api_key": "2"}, expected_fingerprint=created.fingerprint
    )

    assert await vault.get_secret("ten_a", "trustcaller") == {"api_key": "2"}


async def test_close_leaves_a_borrowed_client_open(redis: Redis) -> None:
    await RedisVaultBackend(redis).close()

    assert await redis.ping()


async def test_close_closes_an_owned_client(redis_url: str, redis: Redis) -> None:
    owned = create_redis(RedisSettings(url=redis_url))
    await owned.client_setname("owned-by-the-vault")
    backend = RedisVaultBackend(owned, owns_client=True)

    await backend.close()

    for _ in range(50):
        names = [client.get("name") for client in await redis.client_list()]
        if "owned-by-the-vault" not in names:
            break
        await asyncio.sleep(0.01)
    assert "owned-by-the-vault" not in names


async def test_an_outage_raises_a_redis_error_without_secrets(
    vault: Vault, redis_server: RedisServer
) -> None:
    await vault.put("ten_a", "trustcaller", SECRET)
    redis_server.stop()

    with pytest.raises(REDIS_ERRORS) as info:
        await vault.put("ten_a", "trustcaller", {"api_key": "sk_live_TOP-SECRET-0002"})

    assert "TOP-SECRET" not in str(info.value) + repr(info.value)


def test_reprs_show_no_connection_details() -> None:
    client = create_redis(RedisSettings(url="redis://:hunter2@127.0.0.1:1/0"))

    shown = repr(Vault(RedisVaultBackend(client, prefix="gw"), KEYRING))

    assert "hunter2" not in shown and "127.0.0.1" not in shown
    assert "RedisVaultBackend(prefix='gw')" in shown
