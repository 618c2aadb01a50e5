"""Tenants and gateway keys in the system of record (SQLAlchemy Core; SQLite or PostgreSQL).

Every method is one transaction on :class:`policies.sql.Database`, so an unreachable database
surfaces as :class:`policies.sql.DatabaseUnavailable` and nothing is half written. Times are
stored in UTC (SQLite keeps them as naive text, which then sorts in time order) and come back
timezone-aware in UTC; scopes are stored as their values joined by commas.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    RowMapping,
    and_,
    collate,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.keys import Scope
from gateway.auth.store import ApiKeyRecord, Tenant
from policies.sql import Database
from policies.sql.schema import api_keys, tenants

_SCOPE_SEPARATOR = ","


class SqlTenantStore:
    """The :class:`~gateway.auth.store.TenantStore` on a :class:`~policies.sql.Database`.

    The database is borrowed: :meth:`close` leaves it open for whoever created it.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def __repr__(self) -> str:
        return f"SqlTenantStore({self._db.describe()})"

    async def create_tenant(self, tenant: Tenant) -> None:
        """Store a new tenant; :class:`ValueError` if its id is taken."""
        try:
            async with self._db.begin() as connection:
                await connection.execute(
                    insert(tenants).values(
                        id=tenant.id,
                        name=tenant.name,
                        created_at=_to_db(tenant.created_at),
                        disabled_at=_to_db(tenant.disabled_at),
                    )
                )
        except IntegrityError as exc:
            raise ValueError(f"tenant {tenant.id!r} already exists") from exc

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """One tenant (disabled or not), or ``None``."""
        async with self._db.begin() as connection:
            return await _tenant(connection, tenant_id)

    async def list_tenants(self) -> list[Tenant]:
        """Every tenant (disabled ones too), oldest first, then by id."""
        statement = select(tenants).order_by(tenants.c.created_at, self._by_id(tenants.c.id))
        async with self._db.begin() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_tenant_from_row(row) for row in rows]

    async def set_disabled(self, tenant_id: str, when: datetime | None) -> Tenant | None:
        """Disable a tenant from ``when`` (a tenant already disabled keeps its first time), or
        re-enable it with ``None``; the tenant as now stored, ``None`` when it does not exist."""
        disabled_at: Any = (
            None if when is None else func.coalesce(tenants.c.disabled_at, _time(when))
        )
        async with self._db.begin() as connection:
            await connection.execute(
                sql_update(tenants).where(tenants.c.id == tenant_id).values(disabled_at=disabled_at)
            )
            return await _tenant(connection, tenant_id)

    async def erase_tenant(self, tenant_id: str) -> bool:
        """Delete a tenant and every key of it; ``False`` when it does not exist."""
        async with self._db.begin() as connection:
            await connection.execute(delete(api_keys).where(api_keys.c.tenant_id == tenant_id))
            result = await connection.execute(delete(tenants).where(tenants.c.id == tenant_id))
        return result.rowcount == 1

    async def add_key(self, record: ApiKeyRecord) -> None:
        """Store a key (``tenant_id`` ``None``: an operator key); :class:`ValueError` if its id
        or hash is taken or its tenant does not exist."""
        try:
            async with self._db.begin() as connection:
                tenant_id = record.tenant_id
                if tenant_id is not None and await _tenant(connection, tenant_id) is None:
                    raise ValueError(f"key {record.id!r} was not stored: its tenant does not exist")
                await connection.execute(
                    insert(api_keys).values(
                        id=record.id,
                        tenant_id=record.tenant_id,
                        name=record.name,
                        prefix=record.prefix,
                        scopes=_SCOPE_SEPARATOR.join(scope.value for scope in record.scopes),
                        key_hash=record.key_hash,
                        created_at=_to_db(record.created_at),
                        revoked_at=_to_db(record.revoked_at),
                    )
                )
        except IntegrityError as exc:
            raise ValueError(
                f"key {record.id!r} was not stored: its id or hash is taken, "
                "or its tenant does not exist"
            ) from exc

    async def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """A tenant's keys (active and revoked), oldest first, then by id."""
        statement = (
            select(api_keys)
            .where(api_keys.c.tenant_id == tenant_id)
            .order_by(api_keys.c.created_at, self._by_id(api_keys.c.id))
        )
        async with self._db.begin() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_key_from_row(row) for row in rows]

    async def find_active_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The unrevoked key with this hash, unless its tenant is disabled (operator keys have
        no tenant)."""
        statement = (
            select(api_keys)
            .select_from(api_keys.outerjoin(tenants, api_keys.c.tenant_id == tenants.c.id))
            .where(
                api_keys.c.key_hash == key_hash,
                api_keys.c.revoked_at.is_(None),
                or_(api_keys.c.tenant_id.is_(None), tenants.c.disabled_at.is_(None)),
            )
        )
        async with self._db.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _key_from_row(row)

    async def revoke_key(self, tenant_id: str, key_id: str, when: datetime) -> bool:
        """Revoke one of the tenant's keys (idempotent, the first time kept); ``False`` when the
        tenant has no such key (operator keys are never revoked here)."""
        statement = (
            sql_update(api_keys)
            .where(and_(api_keys.c.id == key_id, api_keys.c.tenant_id == tenant_id))
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, _time(when)))
        )
        async with self._db.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount == 1

    async def note_key_used(self, key_id: str, when: datetime) -> None:
        """Record that the key was used at ``when`` (a later time than the stored one)."""
        statement = (
            sql_update(api_keys)
            .where(
                api_keys.c.id == key_id,
                or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < _time(when)),
            )
            .values(last_used_at=_to_db(when))
        )
        async with self._db.begin() as connection:
            await connection.execute(statement)

    async def has_operator_key(self) -> bool:
        """Whether an unrevoked operator (all-tenant) key exists."""
        statement = (
            select(api_keys.c.id)
            .where(api_keys.c.tenant_id.is_(None), api_keys.c.revoked_at.is_(None))
            .limit(1)
        )
        async with self._db.begin() as connection:
            return (await connection.execute(statement)).first() is not None

    async def revoke_operator_keys(self, when: datetime) -> int:
        """Revoke every active operator key; how many there were."""
        statement = (
            sql_update(api_keys)
            .where(api_keys.c.tenant_id.is_(None), api_keys.c.revoked_at.is_(None))
            .values(revoked_at=_to_db(when))
        )
        async with self._db.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount

    async def close(self) -> None:
        """Nothing to release: the database belongs to whoever created it."""

    def _by_id(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """Ids in byte order on every engine (PostgreSQL otherwise follows the locale)."""
        return collate(column, "C") if self._db.dialect == "postgresql" else column


async def _tenant(connection: AsyncConnection, tenant_id: str) -> Tenant | None:
    row = (
        (await connection.execute(select(tenants).where(tenants.c.id == tenant_id)))
        .mappings()
        .first()
    )
    return None if row is None else _tenant_from_row(row)


def _tenant_from_row(row: RowMapping) -> Tenant:
    return Tenant(
        id=row["id"],
        name=row["name"],
        created_at=_from_db(row["created_at"]),
        disabled_at=_optional_from_db(row["disabled_at"]),
    )


def _key_from_row(row: RowMapping) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=_scopes(row["scopes"]),
        key_hash=row["key_hash"],
        created_at=_from_db(row["created_at"]),
        revoked_at=_optional_from_db(row["revoked_at"]),
        last_used_at=_optional_from_db(row["last_used_at"]),
    )


def _scopes(text: str) -> tuple[Scope, ...]:
    parts: Iterable[str] = (part.strip() for part in text.split(_SCOPE_SEPARATOR))
    return tuple(Scope(part) for part in parts if part)


def _to_db(moment: datetime | None) -> datetime | None:
    """A time in UTC (a naive time is taken to be UTC already)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time(moment: datetime) -> ColumnElement[datetime]:
    """A time as a bound value typed like the columns it is compared with."""
    return literal(_to_db(moment), type_=DateTime(timezone=True))


def _from_db(moment: datetime) -> datetime:
    """A stored time, timezone-aware in UTC (SQLite gives it back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _optional_from_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else _from_db(moment)
