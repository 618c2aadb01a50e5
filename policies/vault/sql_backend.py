"""Sealed credentials in the system of record (SQLite or PostgreSQL), one row per credential.

A row of ``credentials`` holds the sealed envelope (:func:`encode_sealed`: msgspec JSON, the
encoding :meth:`Vault.seal_value` uses for everything else sealed), the fingerprint, the times
(timezone-aware, UTC) and the labels (JSON text). Every conditional write is one statement, so
it is atomic on both engines without holding a lock across a read: ``INSERT ... ON CONFLICT DO
NOTHING`` to create only, ``UPDATE ... WHERE fingerprint = :expected`` to replace only a known
credential, ``UPDATE ... WHERE sealed = :old`` to re-wrap. A credential's budget overrides are
rows of ``credential_budgets``, read in the same statement as the credential (a left join) and
deleted with it (the foreign key cascades).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    delete,
    exists,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from policies.sql import Database
from policies.sql.schema import credential_budgets, credentials
from policies.vault.backend import UNSET, BudgetLimit, ExpectedFingerprint, StoredCredential
from policies.vault.envelope import SealedSecret

_BATCH = 256
_KEY = (credentials.c.tenant_id, credentials.c.vendor)
_SELECT = select(
    credentials.c.tenant_id,
    credentials.c.vendor,
    credentials.c.sealed,
    credentials.c.fingerprint,
    credentials.c.created_at,
    credentials.c.rotated_at,
    credentials.c.updated_at,
    credentials.c.labels,
)
_WITH_BUDGETS = (
    _SELECT.add_columns(
        credential_budgets.c.budget,
        credential_budgets.c.request_limit,
        credential_budgets.c.period_seconds,
    )
    .select_from(credentials)
    .outerjoin(
        credential_budgets,
        (credential_budgets.c.tenant_id == credentials.c.tenant_id)
        & (credential_budgets.c.vendor == credentials.c.vendor),
    )
)
"""Credentials with their budget overrides: a row per override (one with nulls when none)."""
_VALUES = ("sealed", "fingerprint", "created_at", "rotated_at", "updated_at", "labels")
"""The columns a write replaces (all but the key)."""


def encode_sealed(sealed: SealedSecret) -> bytes:
    """The stored form of a sealed secret: deterministic, so equal secrets give equal bytes
    (``replace_sealed`` compares them)."""
    return msgspec.json.encode(sealed)


def decode_sealed(stored: bytes) -> SealedSecret:
    """The sealed secret of :func:`encode_sealed`."""
    return msgspec.json.decode(stored, type=SealedSecret)


class SqlVaultBackend:
    """Sealed credentials in the ``credentials`` table; every conditional write is atomic.

    The database is borrowed: its creator closes it, :meth:`close` does nothing.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    def __repr__(self) -> str:
        return f"SqlVaultBackend(dialect={self._database.dialect!r})"

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record of ``(tenant_id, vendor)`` with its budget overrides, if any."""
        query = _WITH_BUDGETS.where(
            credentials.c.tenant_id == tenant_id, credentials.c.vendor == vendor
        )
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).all()
        records = _with_budgets(rows)
        return records[0] if records else None

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Store ``record``: always (``UNSET``), only if absent (``None``), or only over the
        record whose fingerprint is ``expected_fingerprint``."""
        values = _to_values(record)
        async with self._database.begin() as connection:
            if expected_fingerprint is UNSET:
                upsert = self._insert(values)
                upsert = upsert.on_conflict_do_update(
                    index_elements=_KEY,
                    set_={name: upsert.excluded[name] for name in _VALUES},
                )
                await connection.execute(upsert)
                return True
            if expected_fingerprint is None:
                create = self._insert(values).on_conflict_do_nothing(index_elements=_KEY)
                return (await connection.execute(create)).rowcount == 1
            replace = (
                update(credentials)
                .where(
                    credentials.c.tenant_id == record.tenant_id,
                    credentials.c.vendor == record.vendor,
                    credentials.c.fingerprint == expected_fingerprint,
                )
                .values({name: values[name] for name in _VALUES})
            )
            return (await connection.execute(replace)).rowcount == 1

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a record; False when there was none."""
        statement = delete(credentials).where(
            credentials.c.tenant_id == tenant_id, credentials.c.vendor == vendor
        )
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def delete_tenant(self, tenant_id: str) -> int:
        """Destroy every credential of a tenant; how many there were."""
        statement = delete(credentials).where(credentials.c.tenant_id == tenant_id)
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """A tenant's records with their budget overrides, sorted by vendor (code point order on
        both engines)."""
        query = _WITH_BUDGETS.where(credentials.c.tenant_id == tenant_id).order_by(
            self._in_code_point_order(credentials.c.vendor)
        )
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).all()
        return _with_budgets(rows)

    async def set_budget(
        self, tenant_id: str, vendor: str, budget: str, limit: BudgetLimit | None
    ) -> bool:
        """Override one budget of a stored credential (``None``: back to the vendor's default);
        False when there is no such credential."""
        stored = exists().where(
            credentials.c.tenant_id == tenant_id, credentials.c.vendor == vendor
        )
        key = (
            credential_budgets.c.tenant_id == tenant_id,
            credential_budgets.c.vendor == vendor,
            credential_budgets.c.budget == budget,
        )
        if limit is None:
            async with self._database.begin() as connection:
                if not (await connection.execute(select(stored))).scalar():
                    return False
                await connection.execute(delete(credential_budgets).where(*key))
            return True
        upsert = self._insert(
            {
                "tenant_id": tenant_id,
                "vendor": vendor,
                "budget": budget,
                "request_limit": limit.limit,
                "period_seconds": limit.period_seconds,
                "updated_at": datetime.now(UTC),
            },
            credential_budgets,
        )
        statement = upsert.on_conflict_do_update(
            index_elements=(
                credential_budgets.c.tenant_id,
                credential_budgets.c.vendor,
                credential_budgets.c.budget,
            ),
            set_={
                name: upsert.excluded[name]
                for name in ("request_limit", "period_seconds", "updated_at")
            },
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(statement)
        except IntegrityError:  # the foreign key: no such credential
            return False
        return True

    async def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record in key order, a page at a time (each its own short transaction, none
        open while the caller works): a write made meanwhile never repeats or hides a record
        that exists throughout."""
        query = _SELECT.order_by(*_KEY).limit(_BATCH)
        page = await self._page(query)
        while page:
            for record in page:
                yield record
            if len(page) < _BATCH:
                return
            last = page[-1]
            page = await self._page(
                query.where(tuple_(*_KEY) > tuple_(last.tenant_id, last.vendor))
            )

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Swap the sealed secret only if it is still ``old``; False when it is not."""
        statement = (
            update(credentials)
            .where(
                credentials.c.tenant_id == tenant_id,
                credentials.c.vendor == vendor,
                credentials.c.sealed == encode_sealed(old),
            )
            .values(sealed=encode_sealed(new))
        )
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def close(self) -> None:
        """Nothing to release: the database belongs to whoever created it."""

    def _insert(
        self, values: Mapping[str, Any], table: Table = credentials
    ) -> postgresql.Insert | sqlite.Insert:
        """The dialect's ``INSERT`` of one row (both know ``ON CONFLICT``)."""
        if self._database.dialect == "postgresql":
            return postgresql.insert(table).values(dict(values))
        return sqlite.insert(table).values(dict(values))

    def _in_code_point_order(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """``column`` ordered by code point: SQLite's default, PostgreSQL's ``"C"`` collation."""
        return column.collate("C") if self._database.dialect == "postgresql" else column

    async def _page(self, query: Select[Any]) -> list[StoredCredential]:
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).all()
        return [_from_row(row) for row in rows]


def _to_values(record: StoredCredential) -> dict[str, Any]:
    return {
        "tenant_id": record.tenant_id,
        "vendor": record.vendor,
        "sealed": encode_sealed(record.sealed),
        "fingerprint": record.fingerprint,
        "created_at": _utc(record.created_at),
        "rotated_at": None if record.rotated_at is None else _utc(record.rotated_at),
        "updated_at": _utc(record.updated_at),
        "labels": msgspec.json.encode(record.labels).decode(),
    }


def _from_row(row: Row[Any]) -> StoredCredential:
    return StoredCredential(
        tenant_id=row.tenant_id,
        vendor=row.vendor,
        sealed=decode_sealed(row.sealed),
        fingerprint=row.fingerprint,
        created_at=_read_time(row.created_at),
        rotated_at=None if row.rotated_at is None else _read_time(row.rotated_at),
        updated_at=_read_time(row.updated_at),
        labels=msgspec.json.decode(row.labels, type=dict[str, str]),
    )


def _with_budgets(rows: Sequence[Row[Any]]) -> list[StoredCredential]:
    """Records from rows of :data:`_WITH_BUDGETS` (one row per override), in the rows' order."""
    budgets: dict[tuple[str, str], dict[str, BudgetLimit]] = {}
    first: dict[tuple[str, str], Row[Any]] = {}
    for row in rows:
        key = (row.tenant_id, row.vendor)
        first.setdefault(key, row)
        found = budgets.setdefault(key, {})
        if row.budget is not None:
            found[row.budget] = BudgetLimit(row.request_limit, row.period_seconds)
    return [
        msgspec.structs.replace(_from_row(row), budgets=budgets[key]) for key, row in first.items()
    ]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("credential timestamps must be timezone-aware")
    return moment.astimezone(UTC)


def _read_time(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite gives it back naive (it was stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
