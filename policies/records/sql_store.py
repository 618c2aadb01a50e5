"""Records in the system of record (SQLite or PostgreSQL): the ones whose loss hurts a user.

Tracked operations, personalization batches and verifications live in the ``records`` table,
shared by every replica and surviving restarts. Expiry is an epoch-seconds column: an expired row
reads as absent, is overwritten by the next write or lock, and :meth:`SqlRecordStore.purge_expired`
deletes it. Every write is one statement, so concurrent replicas never read-then-write.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from policies.clock import SYSTEM_CLOCK, Clock
from policies.sql import Database
from policies.sql.schema import records


def upsert_statement(database: Database, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` in ``database``'s dialect, which offers ``on_conflict_do_update``."""
    if database.dialect == "postgresql":
        return postgresql.insert(table)
    if database.dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database dialect {database.dialect!r}")


class SqlRecordStore:
    """:class:`~policies.records.RecordStore` on the ``records`` table."""

    def __init__(self, database: Database, clock: Clock = SYSTEM_CLOCK) -> None:
        self._database = database
        self._clock = clock

    async def get(self, key: str) -> bytes | None:
        """The record, or ``None`` when absent or expired."""
        query = select(records.c.value).where(
            records.c.key == key, records.c.expires_at > self._clock.time()
        )
        async with self._database.begin() as connection:
            value = (await connection.execute(query)).scalar_one_or_none()
        return bytes(value) if value is not None else None

    async def put(
        self, key: str, value: bytes, ttl_seconds: float, *, tenant_id: str | None = None
    ) -> None:
        """Write (or overwrite, lock or not) a record that expires after ``ttl_seconds``."""
        row = {
            "key": key,
            "tenant_id": tenant_id,
            "value": value,
            "expires_at": self._clock.time() + ttl_seconds,
            "owner": None,
        }
        insert = upsert_statement(self._database, records).values(row)
        statement = insert.on_conflict_do_update(
            index_elements=[records.c.key],
            set_={name: insert.excluded[name] for name in row if name != "key"},
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def scan(self, prefix: str, limit: int) -> list[tuple[str, bytes]]:
        """Up to ``limit`` live records whose key starts with ``prefix``, in key order."""
        query = (
            select(records.c.key, records.c.value)
            .where(
                records.c.key.startswith(prefix, autoescape=True),
                records.c.expires_at > self._clock.time(),
            )
            .order_by(records.c.key)
            .limit(limit)
        )
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [(str(row["key"]), bytes(row["value"])) for row in rows]

    async def delete(self, key: str) -> None:
        """Forget a record."""
        async with self._database.begin() as connection:
            await connection.execute(delete(records).where(records.c.key == key))

    async def acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lock ``key`` for ``owner`` unless a live record holds the key.

        One upsert whose conflict update applies only to an expired row: the database decides,
        so of several concurrent callers (any replica) exactly one gets the lock.
        """
        now = self._clock.time()
        insert = upsert_statement(self._database, records).values(
            key=key, tenant_id=None, value=owner.encode(), expires_at=now + ttl_seconds, owner=owner
        )
        statement = insert.on_conflict_do_update(
            index_elements=[records.c.key],
            set_={
                "tenant_id": insert.excluded.tenant_id,
                "value": insert.excluded.value,
                "expires_at": insert.excluded.expires_at,
                "owner": insert.excluded.owner,
            },
            where=records.c.expires_at <= now,
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount == 1

    async def release(self, key: str, owner: str) -> None:
        """Release the lock if ``owner`` still holds it (a lock since taken by another stays)."""
        statement = delete(records).where(records.c.key == key, records.c.owner == owner)
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def purge_tenant(self, tenant_id: str) -> int:
        """Delete every record of ``tenant_id`` (erasing the tenant); how many were deleted."""
        statement = delete(records).where(records.c.tenant_id == tenant_id)
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount

    async def purge_expired(self) -> int:
        """Delete every expired record (housekeeping); how many were deleted."""
        statement = delete(records).where(records.c.expires_at <= self._clock.time())
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount
