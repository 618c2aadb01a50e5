"""Sealed credentials in Redis: the vault backend that replicas share.

Key layout, with the default prefix ``gw`` (ids are percent-encoded, so no id can forge another
key or a hash tag):

- ``gw:vault:{tenant:<tenant>}:cred:<vendor>``: one credential, a hash of ``fingerprint``,
  ``sealed`` and ``meta`` (both msgpack);
- ``gw:vault:{tenant:<tenant>}:vendors``: the tenant's vendors, a sorted set in name order;
- ``gw:vault:tenants``: every tenant that ever stored a credential, in name order.

A tenant's keys share one Redis Cluster hash slot, so each write is one atomic Lua script (or
transaction) over keys of that slot. The tenant set lives elsewhere: a tenant is added to it,
idempotently, before each of its writes and never removed, so every record stays reachable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote

import msgspec
from redis.asyncio import Redis

from policies.redis_client import checked_prefix, reply_bytes, reply_members
from policies.vault.backend import UNSET, ExpectedFingerprint, StoredCredential
from policies.vault.envelope import SealedSecret

_PUT_IF = Path(__file__).with_name("put_if.lua").read_text()
_REPLACE_SEALED = Path(__file__).with_name("replace_sealed.lua").read_text()
_FIELDS = ("fingerprint", "sealed", "meta")
_BATCH = 256
_quote = partial(quote, safe="")


class _Meta(msgspec.Struct, frozen=True, array_like=True):
    """The non-secret rest of a record; tenant and vendor are its key."""

    created_at: datetime
    rotated_at: datetime | None
    updated_at: datetime
    labels: dict[str, str]


_encoder = msgspec.msgpack.Encoder()
_sealed_decoder = msgspec.msgpack.Decoder(SealedSecret)
_meta_decoder = msgspec.msgpack.Decoder(_Meta)


class RedisVaultBackend:
    """Sealed credentials in Redis, for several replicas; every conditional write is atomic.

    The client is borrowed unless ``owns_client`` is set, in which case :meth:`close` closes it.
    """

    def __init__(self, redis: Redis, prefix: str = "gw", *, owns_client: bool = False) -> None:
        self._redis = redis
        self._prefix = checked_prefix(prefix)
        self._owns_client = owns_client
        self._put_if = redis.register_script(_PUT_IF)
        self._replace_sealed = redis.register_script(_REPLACE_SEALED)

    def __repr__(self) -> str:
        return f"RedisVaultBackend(prefix={self._prefix!r})"

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record of ``(tenant_id, vendor)``, if any."""
        values = await self._redis.hmget(self._record_key(tenant_id, vendor), _FIELDS)
        return _decode(tenant_id, vendor, values)

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Store ``record``: always (``UNSET``), only if absent (``None``), or only over the
        record whose fingerprint is ``expected_fingerprint``."""
        if expected_fingerprint is UNSET:
            mode, expected = "any", ""
        elif expected_fingerprint is None:
            mode, expected = "absent", ""
        else:
            mode, expected = "match", expected_fingerprint
        fields = _encode(record)
        await self._redis.zadd(self._tenants_key(), {record.tenant_id: 0})
        stored = await self._put_if(
            keys=[
                self._record_key(record.tenant_id, record.vendor),
                self._index_key(record.tenant_id),
            ],
            args=[mode, expected, record.vendor, *fields],
        )
        return int(stored) == 1

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a record and its index entry together; False when there was none."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._record_key(tenant_id, vendor))
            pipe.zrem(self._index_key(tenant_id), vendor)
            deleted, _ = await pipe.execute()
        return int(deleted) == 1

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """A tenant's records, sorted by vendor."""
        vendors = reply_members(await self._redis.zrange(self._index_key(tenant_id), 0, -1))
        return await self._fetch(tenant_id, [vendor.decode() for vendor in vendors])

    async def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record in (tenant, vendor) order, paged by name: a write made meanwhile never
        repeats or hides a record that exists throughout."""
        async for tenants in self._pages(self._tenants_key()):
            for tenant_id in tenants:
                async for vendors in self._pages(self._index_key(tenant_id)):
                    for record in await self._fetch(tenant_id, vendors):
                        yield record

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Swap the sealed secret only if it is still ``old``; False when it is not.

        Both are compared in their msgpack encoding, which msgspec makes deterministic.
        """
        swapped = await self._replace_sealed(
            keys=[self._record_key(tenant_id, vendor)],
            args=[_encoder.encode(old), _encoder.encode(new)],
        )
        return int(swapped) == 1

    async def close(self) -> None:
        """Close the client if this backend owns it; a borrowed client stays open."""
        if self._owns_client:
            await self._redis.aclose()

    def _scope(self, tenant_id: str) -> str:
        return f"{self._prefix}:vault:{{tenant:{_quote(tenant_id)}}}"

    def _record_key(self, tenant_id: str, vendor: str) -> str:
        return f"{self._scope(tenant_id)}:cred:{_quote(vendor)}"

    def _index_key(self, tenant_id: str) -> str:
        return f"{self._scope(tenant_id)}:vendors"

    def _tenants_key(self) -> str:
        return f"{self._prefix}:vault:tenants"

    async def _pages(self, key: str) -> AsyncIterator[list[str]]:
        """The members of a sorted set of equal scores, in name order, a batch at a time."""
        start = b"-"
        while True:
            page = reply_members(
                await self._redis.zrange(key, start, b"+", bylex=True, offset=0, num=_BATCH)
            )
            if page:
                yield [member.decode() for member in page]
            if len(page) < _BATCH:
                return
            start = b"(" + page[-1]

    async def _fetch(self, tenant_id: str, vendors: Sequence[str]) -> list[StoredCredential]:
        """The records of ``vendors``, skipping any deleted since they were listed."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for vendor in vendors:
                pipe.hmget(self._record_key(tenant_id, vendor), _FIELDS)
            rows = await pipe.execute()
        records = (
            _decode(tenant_id, vendor, values) for vendor, values in zip(vendors, rows, strict=True)
        )
        return [record for record in records if record is not None]


def _encode(record: StoredCredential) -> tuple[str, bytes, bytes]:
    meta = _Meta(
        created_at=_utc(record.created_at),
        rotated_at=None if record.rotated_at is None else _utc(record.rotated_at),
        updated_at=_utc(record.updated_at),
        labels=dict(record.labels),
    )
    return record.fingerprint, _encoder.encode(record.sealed), _encoder.encode(meta)


def _decode(
    tenant_id: str, vendor: str, values: Sequence[bytes | str | None]
) -> StoredCredential | None:
    fingerprint, sealed, meta_bytes = values
    if fingerprint is None or sealed is None or meta_bytes is None:
        return None
    meta = _meta_decoder.decode(reply_bytes(meta_bytes))
    return StoredCredential(
        tenant_id=tenant_id,
        vendor=vendor,
        sealed=_sealed_decoder.decode(reply_bytes(sealed)),
        fingerprint=reply_bytes(fingerprint).decode(),
        created_at=meta.created_at,
        rotated_at=meta.rotated_at,
        updated_at=meta.updated_at,
        labels=meta.labels,
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("credential timestamps must be timezone-aware")
    return moment.astimezone(UTC)
