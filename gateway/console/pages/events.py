"""``/console/tenants/{tenant}/events``: the tenant's events (filters, redelivery) and its
subscriptions (delivery attempts, replay), with the scopes the events API asks for."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Template

from gateway import tenant_admin
from gateway.auth.keys import Scope
from gateway.auth.store import Tenant
from gateway.console.auth import require_session
from gateway.console.forms import moment, query_text, required_moment
from gateway.console.render import AnyRequest, console_user, page
from gateway.events.log import EventQuery, parse_type_filters
from gateway.services import Services

PAGE_SIZE = 50


async def _tenant(request: AnyRequest, tenant_id: str, scope: Scope) -> Tenant:
    """The tenant, when the signed-in key may administer it and holds ``scope``."""
    services: Services = request.app.state.services
    principal = console_user(request).principal
    tenant = await tenant_admin.managed_tenant(services, principal, tenant_id)
    principal.require(scope)
    return tenant


class EventPages(Controller):
    """Events and deliveries of one tenant."""

    path = "/console/tenants/{tenant_id:str}"
    guards = [require_session]
    include_in_schema = False

    @get("/events")
    async def events(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """Events newest first, filtered by type, subject and time."""
        return await _events_page(request, tenant_id)

    @post("/events/{event_id:str}/redeliver")
    async def redeliver(
        self, request: AnyRequest, tenant_id: FromPath[str], event_id: FromPath[str]
    ) -> Template:
        """Queue the event again for every enabled subscription it matches now."""
        services: Services = request.app.state.services
        tenant = await _tenant(request, tenant_id, Scope.EVENTS_WRITE)
        event = await services.events.get(tenant.id, event_id)
        queued = await services.outbox.redeliver(tenant.id, event)
        return await _events_page(
            request, tenant_id, notice=f"Event {event.id} queued for {queued} delivery(ies)."
        )

    @get("/subscriptions/{subscription_id:str}/deliveries")
    async def deliveries(
        self, request: AnyRequest, tenant_id: FromPath[str], subscription_id: FromPath[str]
    ) -> Template:
        """Every attempt to deliver to one subscription, newest first."""
        return await _deliveries_page(request, tenant_id, subscription_id)

    @post("/subscriptions/{subscription_id:str}/replay")
    async def replay(
        self, request: AnyRequest, tenant_id: FromPath[str], subscription_id: FromPath[str]
    ) -> Template:
        """Queue every event recorded since a time that the subscription matches."""
        services: Services = request.app.state.services
        tenant = await _tenant(request, tenant_id, Scope.EVENTS_WRITE)
        await services.subscriptions.get(tenant.id, subscription_id)
        since = await required_moment(request, "since", "Since")
        queued = await services.outbox.replay(tenant.id, subscription_id, since)
        return await _deliveries_page(
            request,
            tenant_id,
            subscription_id,
            notice=f"{queued} event(s) since {since:%Y-%m-%d %H:%M} UTC queued again.",
        )


async def _events_page(request: AnyRequest, tenant_id: str, **context: Any) -> Template:
    services: Services = request.app.state.services
    tenant = await _tenant(request, tenant_id, Scope.EVENTS_READ)
    type_filter = query_text(request, "type")
    where = EventQuery(
        types=parse_type_filters([type_filter] if type_filter else None),
        subject=query_text(request, "subject", 256),
        since=moment(query_text(request, "since"), "since"),
        until=moment(query_text(request, "until"), "until"),
    )
    events = await services.events.page(
        tenant.id, where, query_text(request, "cursor", 512), PAGE_SIZE
    )
    subscriptions = await services.subscriptions.list(tenant.id)
    return page(
        request,
        "events.html",
        tenant=tenant,
        section="events",
        events=events,
        subscriptions=subscriptions,
        filters={k: query_text(request, k) or "" for k in ("type", "subject", "since", "until")},
        **context,
    )


async def _deliveries_page(
    request: AnyRequest, tenant_id: str, subscription_id: str, **context: Any
) -> Template:
    services: Services = request.app.state.services
    tenant = await _tenant(request, tenant_id, Scope.EVENTS_READ)
    subscription = await services.subscriptions.get(tenant.id, subscription_id)
    attempts = await services.outbox.attempts(
        tenant.id, subscription.id, query_text(request, "cursor", 64), PAGE_SIZE
    )
    return page(
        request,
        "deliveries.html",
        tenant=tenant,
        section="events",
        subscription=subscription,
        attempts=attempts,
        **context,
    )
