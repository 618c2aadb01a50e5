"""The event log in the system of record: appended once per vendor event, read with a cursor.

An event's vendor identity is unique per tenant and vendor, so a vendor's retries and replicas
racing on one delivery append it once (the database decides, not a read before the write).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import ColumnElement, RowMapping, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contract.errors import FieldError, NotFound, ValidationFailed
from contract.events import Event, EventPage, EventType
from gateway.row_cursor import decode_row_cursor, encode_row_cursor
from policies.records.sql_store import upsert_statement
from policies.sql import Database
from policies.sql.schema import events

TYPE_FILTER = re.compile(r"(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)")

AfterAppend = Callable[[AsyncConnection, Event], Awaitable[object]]
"""Work done in the transaction that appends an event (its deliveries are queued so)."""


@dataclass(frozen=True)
class EventQuery:
    """Which events a page holds."""

    types: tuple[str, ...] = ()
    """Exact types or prefixes with a wildcard (``call.*``); any of them."""
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def new_event_id() -> str:
    """A random public event id."""
    return "evt_" + secrets.token_urlsafe(16)


def parse_type_filters(raw: list[str] | None, field: str = "query.type") -> tuple[str, ...]:
    """Type filters as given in a query or a body (``call.*``, ``call.completed``,
    comma-separated too); ``field`` names where they were, for the 422."""
    filters = tuple(part.strip() for value in raw or () for part in value.split(",") if part)
    for value in filters:
        known = value.endswith("*") or value in EventType.__members__.values()
        if not TYPE_FILTER.fullmatch(value) or not known:
            raise ValidationFailed(
                "unknown event type filter",
                errors=[
                    FieldError(
                        field=field,
                        message=f"{value!r} is neither an event type nor a prefix like 'call.*'",
                    )
                ],
            )
    return filters


def type_matches(filters: tuple[str, ...] | list[str], event_type: str) -> bool:
    """Whether ``event_type`` is one of ``filters`` (exact types, ``*``, prefixes like
    ``call.*``), as ``GET /v1/events?type=`` reads them."""
    for value in filters:
        if value == "*" or value == event_type:
            return True
        if value.endswith(".*") and event_type.startswith(value[:-1]):
            return True
    return False


class EventLog:
    """Appends and reads events."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def append(self, event: Event, identity: str, then: AfterAppend | None = None) -> bool:
        """Store ``event`` unless one with its identity exists; whether it was new. ``then``
        runs in the same transaction when it was, so what follows the event is stored with it
        or not at all."""
        statement = (
            upsert_statement(self._database, events)
            .values(
                id=event.id,
                tenant_id=event.tenant_id,
                type=event.type.value,
                vendor=event.vendor,
                subject=event.subject,
                identity=identity,
                created_at=event.created_at,
                occurred_at=event.occurred_at,
                data=msgspec.json.encode(event.data).decode(),
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "vendor", "identity"])
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
            new = bool(result.rowcount)
            if new and then is not None:
                await then(connection, event)
        return new

    async def get(self, tenant_id: str, event_id: str) -> Event:
        """One of the tenant's events (404 otherwise)."""
        query = select(events).where(events.c.tenant_id == tenant_id, events.c.id == event_id)
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFound(f"no event with id '{event_id}'")
        return _event(row)

    async def page(
        self, tenant_id: str, where: EventQuery, cursor: str | None, limit: int
    ) -> EventPage:
        """The tenant's events, newest first."""
        query = (
            select(events)
            .where(events.c.tenant_id == tenant_id)
            .order_by(events.c.seq.desc())
            .limit(limit + 1)
        )
        conditions: list[ColumnElement[bool]] = []
        for value in where.types:
            if value == "*":
                conditions = []
                break
            if value.endswith(".*"):
                conditions.append(events.c.type.startswith(value[:-1], autoescape=True))
            else:
                conditions.append(events.c.type == value)
        if conditions:
            query = query.where(or_(*conditions))
        if where.subject is not None:
            query = query.where(events.c.subject == where.subject)
        if where.since is not None:
            query = query.where(events.c.created_at >= _utc(where.since))
        if where.until is not None:
            query = query.where(events.c.created_at < _utc(where.until))
        if cursor is not None:
            query = query.where(events.c.seq < decode_row_cursor("events", cursor))
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        more = len(rows) > limit
        next_cursor = encode_row_cursor("events", int(rows[limit - 1]["seq"])) if more else None
        return EventPage(data=[_event(row) for row in rows[:limit]], next_cursor=next_cursor)

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete events recorded before ``cutoff`` (retention); how many."""
        async with self._database.begin() as connection:
            result = await connection.execute(delete(events).where(events.c.created_at < cutoff))
        return int(result.rowcount or 0)


def _event(row: RowMapping) -> Event:
    return Event(
        id=str(row["id"]),
        type=EventType(str(row["type"])),
        created_at=_aware(row["created_at"]),
        occurred_at=_aware(row["occurred_at"]),
        vendor=None if row["vendor"] is None else str(row["vendor"]),
        tenant_id=str(row["tenant_id"]),
        subject=None if row["subject"] is None else str(row["subject"]),
        data=msgspec.json.decode(str(row["data"])),
    )


def _aware(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
