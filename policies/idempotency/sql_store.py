"""Idempotency records in the system of record (SQLite or PostgreSQL), shared by every replica.

One row per key: the request's fingerprint, the claim's owner, the state (``pending`` or
``done``), the response to replay and an epoch-seconds expiry. A claim released by
``abandon`` is a ``pending`` row without an owner: it keeps its fingerprint, so the same request
may claim it again and another one is still a conflict. An expired row counts as absent.

``begin`` claims with one upsert whose conflict update applies only to a row that is expired or
released with the same fingerprint; when it does not apply, the row it conflicted with is locked
(PostgreSQL's ``ON CONFLICT DO UPDATE`` locks it, SQLite's write transaction locks the database)
until the same transaction has read what holds the key. So of concurrent ``begin`` calls on any
replica exactly one gets ``new``, and none reads a row that changes under it.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import and_, delete, or_, select, update

from policies.clock import SYSTEM_CLOCK, Clock
from policies.idempotency.store import Begun, StoredResponse
from policies.records.sql_store import upsert_statement
from policies.sql import Database
from policies.sql.schema import idempotency

PENDING = "pending"
DONE = "done"

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(StoredResponse)


class SqlIdempotencyStore:
    """:class:`~policies.idempotency.IdempotencyStore` on the ``idempotency`` table."""

    def __init__(self, database: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._database = database
        self._clock = clock

    async def begin(
        self,
        key: str,
        fingerprint: str,
        claim_seconds: float,
        owner: str,
        *,
        tenant_id: str | None = None,
    ) -> Begun:
        """Claim ``key`` for a request with ``fingerprint``, or report what holds it."""
        now = self._clock.time()
        insert = upsert_statement(self._database, idempotency).values(
            key=key,
            tenant_id=tenant_id,
            fingerprint=fingerprint,
            owner=owner,
            state=PENDING,
            response=None,
            expires_at=now + claim_seconds,
        )
        claim = insert.on_conflict_do_update(
            index_elements=[idempotency.c.key],
            set_={
                "tenant_id": insert.excluded.tenant_id,
                "fingerprint": insert.excluded.fingerprint,
                "owner": insert.excluded.owner,
                "state": insert.excluded.state,
                "response": insert.excluded.response,
                "expires_at": insert.excluded.expires_at,
            },
            where=or_(
                idempotency.c.expires_at <= now,
                and_(
                    idempotency.c.fingerprint == fingerprint,
                    idempotency.c.state == PENDING,
                    idempotency.c.owner.is_(None),
                ),
            ),
        )
        holder = select(
            idempotency.c.fingerprint,
            idempotency.c.state,
            idempotency.c.owner,
            idempotency.c.response,
        ).where(idempotency.c.key == key)
        async with self._database.begin() as connection:
            if (await connection.execute(claim)).rowcount == 1:
                return Begun("new")
            row = (await connection.execute(holder)).one()
        if row.fingerprint != fingerprint:
            return Begun("conflict")
        if row.state == DONE:
            return Begun("done", _decoder.decode(row.response))
        if row.owner == owner:
            return Begun("new")
        return Begun("pending")

    async def complete(
        self, key: str, owner: str, response: StoredResponse, keep_seconds: float
    ) -> bool:
        """Store the response to replay for ``keep_seconds``, if the claim is still ours."""
        now = self._clock.time()
        statement = (
            update(idempotency)
            .where(
                idempotency.c.key == key,
                idempotency.c.owner == owner,
                idempotency.c.expires_at > now,
            )
            .values(state=DONE, response=_encoder.encode(response), expires_at=now + keep_seconds)
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount == 1

    async def abandon(self, key: str, owner: str, keep_seconds: float) -> None:
        """Release our claim without a response (the request failed): the same request may run
        again, another request under the key is still a conflict for ``keep_seconds``."""
        now = self._clock.time()
        statement = (
            update(idempotency)
            .where(
                idempotency.c.key == key,
                idempotency.c.owner == owner,
                idempotency.c.expires_at > now,
            )
            .values(state=PENDING, owner=None, response=None, expires_at=now + keep_seconds)
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def purge_tenant(self, tenant_id: str) -> int:
        """Delete every record of ``tenant_id`` (erasing the tenant); how many were deleted."""
        statement = delete(idempotency).where(idempotency.c.tenant_id == tenant_id)
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount

    async def purge_expired(self) -> int:
        """Delete every expired record (housekeeping); how many were deleted."""
        statement = delete(idempotency).where(idempotency.c.expires_at <= self._clock.time())
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount
