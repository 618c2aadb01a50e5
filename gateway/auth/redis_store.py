"""Tenants and gateway keys in Redis, shared by every replica.

Key layout, with the default prefix ``gw``; a key's scope is ``tenant:<tenant id>`` or
``operators`` (ids are percent-encoded, so no id can forge another key or a hash tag):

- ``gw:auth:tenants``: tenant ids, a sorted set scored by creation time (microseconds);
- ``gw:auth:{tenant:<tenant>}:tenant``: one tenant (msgpack);
- ``gw:auth:{<scope>}:keys``: the scope's key ids, scored by creation time;
- ``gw:auth:{<scope>}:active``: the scope's unrevoked key ids;
- ``gw:auth:{<scope>}:key:<key id>``: one key, a hash of ``record`` and ``revoked_at`` (msgpack);
- ``gw:auth:key-hash:<sha256>``: the name of the key record with that hash.

A scope's keys share one Redis Cluster hash slot, and every change to them is one Lua script
over that slot, so revoking can only reach keys of the scope it names. A lookup by hash is two
reads: the pointer, then the record, which alone says whether the key is revoked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import quote

import msgspec
from redis.asyncio import Redis

from gateway.auth.store import ApiKeyRecord, Tenant
from policies.redis_client import checked_prefix, reply_bytes, reply_members

_ADD_KEY = Path(__file__).with_name("add_key.lua").read_text()
_REVOKE_KEYS = Path(__file__).with_name("revoke_keys.lua").read_text()
_OPERATORS = "operators"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_quote = partial(quote, safe="")
_encoder = msgspec.msgpack.Encoder()
_tenant_decoder = msgspec.msgpack.Decoder(Tenant)
_key_decoder = msgspec.msgpack.Decoder(ApiKeyRecord)
_time_decoder = msgspec.msgpack.Decoder(datetime)


class RedisTenantStore:
    """Tenants and gateway keys in Redis; key-hash lookups are O(1).

    The client is borrowed unless ``owns_client`` is set, in which case :meth:`close` closes it.
    """

    def __init__(self, redis: Redis, prefix: str = "gw", *, owns_client: bool = False) -> None:
        self._redis = redis
        self._prefix = checked_prefix(prefix)
        self._owns_client = owns_client
        self._add_key = redis.register_script(_ADD_KEY)
        self._revoke_keys = redis.register_script(_REVOKE_KEYS)

    def __repr__(self) -> str:
        return f"RedisTenantStore(prefix={self._prefix!r})"

    async def create_tenant(self, tenant: Tenant) -> None:
        """Store a tenant; raises :class:`ValueError` if its id is taken."""
        tenant = msgspec.structs.replace(tenant, created_at=_utc(tenant.created_at))
        await self._redis.zadd(
            self._tenants_key(), {tenant.id: _micros(tenant.created_at)}, nx=True
        )
        if not await self._redis.set(self._tenant_key(tenant.id), _encoder.encode(tenant), nx=True):
            raise ValueError(f"tenant {tenant.id!r} already exists")

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """One tenant, or ``None``."""
        data = await self._redis.get(self._tenant_key(tenant_id))
        return None if data is None else _tenant_decoder.decode(reply_bytes(data))

    async def list_tenants(self) -> list[Tenant]:
        """Every tenant, oldest first (then by id)."""
        members = reply_members(await self._redis.zrange(self._tenants_key(), 0, -1))
        ids = [member.decode() for member in members]
        async with self._redis.pipeline(transaction=False) as pipe:
            for tenant_id in ids:
                pipe.get(self._tenant_key(tenant_id))
            found = await pipe.execute()
        return [_tenant_decoder.decode(data) for data in found if data is not None]

    async def add_key(self, record: ApiKeyRecord) -> None:
        """Store a key's hash and metadata; raises :class:`ValueError` if its hash or id is
        taken, or its tenant does not exist."""
        scope = _scope(record.tenant_id)
        record_key = self._key_record(scope, record.id)
        pointer = self._hash_key(record.key_hash)
        if not await self._redis.set(pointer, record_key, nx=True):
            raise ValueError(f"key {record.id!r}: a key with the same hash already exists")
        stored = msgspec.structs.replace(
            record, created_at=_utc(record.created_at), revoked_at=None
        )
        keys = [record_key, self._scope_key(scope, "keys"), self._scope_key(scope, "active")]
        if record.tenant_id is not None:
            keys.append(self._tenant_key(record.tenant_id))
        revoked_at = b"" if record.revoked_at is None else _encoder.encode(_utc(record.revoked_at))
        outcome = int(
            await self._add_key(
                keys=keys,
                args=[record.id, _micros(stored.created_at), _encoder.encode(stored), revoked_at],
            )
        )
        if outcome != 1:
            await self._redis.delete(pointer)
            reason = "its id is taken" if outcome == 0 else "its tenant does not exist"
            raise ValueError(f"key {record.id!r} was not stored: {reason}")

    async def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """A tenant's keys (active and revoked), oldest first (then by id)."""
        scope = _scope(tenant_id)
        ids = reply_members(await self._redis.zrange(self._scope_key(scope, "keys"), 0, -1))
        async with self._redis.pipeline(transaction=True) as pipe:
            for key_id in ids:
                pipe.hmget(self._key_record(scope, key_id.decode()), ["record", "revoked_at"])
            rows = await pipe.execute()
        records = (_decode_key(row) for row in rows)
        return [record for record in records if record is not None]

    async def find_active_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The unrevoked key with this hash, if any."""
        record_key = await self._redis.get(self._hash_key(key_hash))
        if record_key is None:
            return None
        record = _decode_key(await self._redis.hmget(record_key, ["record", "revoked_at"]))
        if record is None or record.revoked_at is not None or record.key_hash != key_hash:
            return None
        return record

    async def revoke_key(self, tenant_id: str, key_id: str, when: datetime) -> bool:
        """Revoke one of the tenant's keys (idempotent); ``False`` when it has no such key."""
        found, _ = await self._revoke(_scope(tenant_id), [key_id], when)
        return found == 1

    async def has_operator_key(self) -> bool:
        """Whether an active operator (all-tenant) key exists."""
        return bool(await self._redis.scard(self._scope_key(_OPERATORS, "active")))

    async def revoke_operator_keys(self, when: datetime) -> int:
        """Revoke every stored operator key; return how many were active."""
        active = await self._redis.smembers(self._scope_key(_OPERATORS, "active"))
        key_ids = sorted(member.decode() for member in reply_members(active))
        _, revoked = await self._revoke(_OPERATORS, key_ids, when)
        return revoked

    async def close(self) -> None:
        """Close the client if this store owns it; a borrowed client stays open."""
        if self._owns_client:
            await self._redis.aclose()

    async def _revoke(self, scope: str, key_ids: list[str], when: datetime) -> tuple[int, int]:
        if not key_ids:
            return 0, 0
        found, revoked = await self._revoke_keys(
            keys=[
                self._scope_key(scope, "active"),
                *(self._key_record(scope, key_id) for key_id in key_ids),
            ],
            args=[_encoder.encode(_utc(when)), *key_ids],
        )
        return int(found), int(revoked)

    def _tenants_key(self) -> str:
        return f"{self._prefix}:auth:tenants"

    def _tenant_key(self, tenant_id: str) -> str:
        return self._scope_key(_scope(tenant_id), "tenant")

    def _scope_key(self, scope: str, name: str) -> str:
        return f"{self._prefix}:auth:{{{scope}}}:{name}"

    def _key_record(self, scope: str, key_id: str) -> str:
        return self._scope_key(scope, f"key:{_quote(key_id)}")

    def _hash_key(self, key_hash: str) -> str:
        return f"{self._prefix}:auth:key-hash:{_quote(key_hash)}"


def _scope(tenant_id: str | None) -> str:
    """The hash tag of a tenant's keys, or of the operator keys."""
    return _OPERATORS if tenant_id is None else f"tenant:{_quote(tenant_id)}"


def _decode_key(values: Sequence[bytes | str | None]) -> ApiKeyRecord | None:
    data, revoked_at = values
    if data is None:
        return None
    record = _key_decoder.decode(reply_bytes(data))
    if revoked_at is None:
        return record
    return msgspec.structs.replace(record, revoked_at=_time_decoder.decode(reply_bytes(revoked_at)))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _micros(moment: datetime) -> int:
    """A creation time as a sort score: exact, since microseconds since 1970 fit a double."""
    return (moment - _EPOCH) // timedelta(microseconds=1)
