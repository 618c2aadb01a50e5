"""``/v1/events``: the tenant's event log, newest first, with filters and a cursor."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, QueryParameter

from contract.events import Event, EventPage
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.events.log import EventQuery, parse_type_filters
from gateway.openapi import contract
from gateway.routes.params import RFC3339, CursorParam, parse_moment
from gateway.services import Services

TypeFilter = Annotated[
    list[str] | None,
    QueryParameter(
        name="type",
        description="Event types, or prefixes such as `call.*`; repeat or comma-separate for any "
        "of several.",
    ),
]


class EventsController(Controller):
    """What happened at the vendors after the requests, in one schema."""

    path = "/v1/events"
    tags = ["events"]

    @get(
        "/",
        operation_id="listEvents",
        summary="List events",
        **contract(Scope.EVENTS_READ, 422),
    )
    async def list_events(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        event_type: TypeFilter = None,
        subject: Annotated[
            str | None, Parameter(description="Only events about this object id.", max_length=256)
        ] = None,
        since: Annotated[
            str | None,
            Parameter(description="Recorded at or after this time (RFC 3339).", pattern=RFC3339),
        ] = None,
        until: Annotated[
            str | None,
            Parameter(description="Recorded before this time (RFC 3339).", pattern=RFC3339),
        ] = None,
        cursor: CursorParam = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> EventPage:
        """The tenant's events, newest first."""
        where = EventQuery(
            types=parse_type_filters(event_type),
            subject=subject,
            since=parse_moment(since, "query.since"),
            until=parse_moment(until, "query.until"),
        )
        return await services.events.page(principal.require_tenant(), where, cursor, limit)

    @get(
        "/{event_id:str}",
        operation_id="getEvent",
        summary="Get an event",
        **contract(Scope.EVENTS_READ, 404),
    )
    async def get_event(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        event_id: FromPath[str],
    ) -> Event:
        """One of the tenant's events."""
        return await services.events.get(principal.require_tenant(), event_id)
