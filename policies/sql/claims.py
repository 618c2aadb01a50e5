"""Work tables that several replicas drain: each due row is claimed by one of them at a time.

A row is claimed in a short transaction: selected ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; the
embedded SQLite has one process and one writer), then leased (``claimed_until``) with its
attempt counted. The work itself happens outside any transaction; a replica that dies mid-way
leaves a lease that runs out, and another replica takes the row over.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, RowMapping, Table, or_, select, update

from policies.sql.engine import Database


async def claim_next(
    database: Database,
    table: Table,
    due: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[object]],
    now: float,
    lease_seconds: float,
) -> RowMapping | None:
    """The first due row of ``table`` (``id``, ``attempts`` and ``claimed_until`` columns),
    claimed for ``lease_seconds`` from ``now`` (epoch seconds), as it was before the claim;
    ``None`` when no row is due."""
    unclaimed = or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
    query = (
        select(table)
        .where(*due, unclaimed)
        .order_by(*order_by)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    async with database.begin() as connection:
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        await connection.execute(
            update(table)
            .where(table.c.id == row["id"])
            .values(attempts=int(row["attempts"]) + 1, claimed_until=now + lease_seconds)
        )
    return row
