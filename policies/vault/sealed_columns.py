"""Re-sealing values kept outside the ``credentials`` table under the active master key.

:meth:`Vault.seal_value` output is stored by its owners in their own tables (webhook endpoint
tokens, signing secrets, verification profiles). :func:`reseal_column` walks one such column a
page at a time and swaps each value for ``reseal(row, value)``, each swap a compare-and-swap on
the old bytes, so a value written meanwhile is never overwritten (a lost swap is retried once
on a fresh read). The owner supplies ``reseal``, which knows the row's tenant and purpose:
usually :meth:`Vault.reseal`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import msgspec
from sqlalchemy import Column, ColumnElement, RowMapping, Select, Table, select, tuple_, update

from policies.sql import Database

logger = logging.getLogger(__name__)
_BATCH = 256

Reseal = Callable[[RowMapping, bytes], bytes | None]
"""The row's value sealed under the active key: the same bytes when it already is, ``None``
when it no longer opens."""


def by_tenant(reseal_value: Callable[[str, str, bytes], bytes | None], purpose: str) -> Reseal:
    """Re-seal a value sealed for ``purpose`` and the row's ``tenant_id`` (the usual case:
    ``by_tenant(vault.reseal, purpose)``)."""

    def reseal(row: RowMapping, sealed: bytes) -> bytes | None:
        return reseal_value(str(row["tenant_id"]), purpose, sealed)

    return reseal


class ResealCount(msgspec.Struct, kw_only=True):
    """The outcome of re-sealing one kind of sealed value."""

    resealed: int = 0
    already_current: int = 0
    skipped_concurrent: int = 0
    """Values concurrent writes kept from being re-sealed (changed twice, or deleted)."""
    failed: int = 0
    """Values that no longer open (logged with their row's key): left as they are."""


async def reseal_column(
    database: Database,
    table: Table,
    column: str,
    reseal: Reseal,
    where: ColumnElement[bool] | None = None,
) -> ResealCount:
    """Re-seal every non-null ``table.column`` (of the rows matching ``where``)."""
    count = ResealCount()
    key = list(table.primary_key.columns)
    sealed = table.c[column]
    query = select(table).where(sealed.is_not(None)).order_by(*key).limit(_BATCH)
    if where is not None:
        query = query.where(where)
    page = await _rows(database, query)
    while page:
        for row in page:
            await _reseal_row(database, table, key, sealed, reseal, row, count)
        if len(page) < _BATCH:
            break
        last = [page[-1][part.name] for part in key]
        page = await _rows(database, query.where(tuple_(*key) > tuple_(*last)))
    return count


async def _rows(database: Database, query: Select[tuple[object, ...]]) -> Sequence[RowMapping]:
    async with database.begin() as connection:
        return (await connection.execute(query)).mappings().all()


async def _reseal_row(
    database: Database,
    table: Table,
    key: list[Column[object]],
    sealed: Column[object],
    reseal: Reseal,
    row: RowMapping,
    count: ResealCount,
) -> None:
    identity = [part == row[part.name] for part in key]
    current: RowMapping | None = row
    for _attempt in range(2):
        if current is None or current[sealed.name] is None:
            break
        old = bytes(current[sealed.name])
        new = reseal(current, old)
        if new is None:
            logger.warning(
                "vault: cannot re-seal %s.%s of %s",
                table.name,
                sealed.name,
                {part.name: row[part.name] for part in key},
            )
            count.failed += 1
            return
        if new == old:
            count.already_current += 1
            return
        statement = update(table).where(*identity, sealed == old).values({sealed.name: new})
        async with database.begin() as connection:
            swapped = (await connection.execute(statement)).rowcount
        if swapped:
            count.resealed += 1
            return
        found = await _rows(database, select(table).where(*identity))
        current = found[0] if found else None
    count.skipped_concurrent += 1
