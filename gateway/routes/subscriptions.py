"""``/v1/subscriptions``: where the tenant's events are delivered, signed; their delivery log,
replay and redelivery; and the secret that signs a call's own ``webhook_url`` deliveries."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from contract.subscriptions import (
    DeliveryAttemptPage,
    Queued,
    Replay,
    SigningSecret,
    Subscription,
    SubscriptionCreate,
    SubscriptionPage,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import BODY_ERRORS, contract
from gateway.services import Services


class SubscriptionsController(Controller):
    """Receivers of the tenant's events."""

    path = "/v1/subscriptions"
    tags = ["events"]

    @post(
        "/",
        operation_id="createSubscription",
        summary="Create a subscription",
        status_code=201,
        **contract(Scope.EVENTS_WRITE, *BODY_ERRORS),
    )
    async def create_subscription(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[SubscriptionCreate],
    ) -> SubscriptionWithSecret:
        """Deliver the events whose type matches `types` to `url`, signed per Standard
        Webhooks with the `whsec_` secret in this answer (shown only now)."""
        return await services.subscriptions.create(principal.require_tenant(), data)

    @get(
        "/",
        operation_id="listSubscriptions",
        summary="List subscriptions",
        **contract(Scope.EVENTS_READ),
    )
    async def list_subscriptions(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> SubscriptionPage:
        """The tenant's subscriptions, newest first (secrets are never shown again)."""
        return SubscriptionPage(data=await services.subscriptions.list(principal.require_tenant()))

    @get(
        "/{subscription_id:str}",
        operation_id="getSubscription",
        summary="Get a subscription",
        **contract(Scope.EVENTS_READ, 404),
    )
    async def get_subscription(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
    ) -> Subscription:
        """One of the tenant's subscriptions."""
        return await services.subscriptions.get(principal.require_tenant(), subscription_id)

    @patch(
        "/{subscription_id:str}",
        operation_id="updateSubscription",
        summary="Change a subscription",
        **contract(Scope.EVENTS_WRITE, 404, *BODY_ERRORS),
    )
    async def update_subscription(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
        data: JSONBody[SubscriptionUpdate],
    ) -> Subscription:
        """Change its URL, types, description; `enabled: true` enables one the gateway
        disabled (after a 410 Gone, or failing too long)."""
        return await services.subscriptions.update(
            principal.require_tenant(), subscription_id, data
        )

    @delete(
        "/{subscription_id:str}",
        operation_id="deleteSubscription",
        summary="Delete a subscription",
        **contract(Scope.EVENTS_WRITE, 404),
    )
    async def delete_subscription(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
    ) -> None:
        """Nothing more is delivered to it, pending deliveries included."""
        await services.subscriptions.delete(principal.require_tenant(), subscription_id)

    @post(
        "/{subscription_id:str}/rotate-secret",
        operation_id="rotateSubscriptionSecret",
        summary="Give a subscription a new signing secret",
        status_code=200,
        **contract(Scope.EVENTS_WRITE, 404),
    )
    async def rotate_secret(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
    ) -> SigningSecret:
        """A new secret, shown only now. Until `previous_valid_until` every delivery carries
        a signature by each secret, so receivers can switch without losing one."""
        return await services.subscriptions.rotate_secret(
            principal.require_tenant(), subscription_id
        )

    @get(
        "/{subscription_id:str}/deliveries",
        operation_id="listSubscriptionDeliveries",
        summary="List delivery attempts",
        **contract(Scope.EVENTS_READ, 404, 422),
    )
    async def list_deliveries(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
        cursor: Annotated[
            str | None, Parameter(description="`next_cursor` of the previous page.", max_length=64)
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DeliveryAttemptPage:
        """Every attempt to deliver to it, newest first: the answer's status, latency and
        first bytes, or why there was none."""
        tenant_id = principal.require_tenant()
        await services.subscriptions.get(tenant_id, subscription_id)
        return await services.outbox.attempts(tenant_id, subscription_id, cursor, limit)

    @post(
        "/{subscription_id:str}/replay",
        operation_id="replaySubscription",
        summary="Send events again since a time",
        status_code=202,
        **contract(Scope.EVENTS_WRITE, 404, *BODY_ERRORS),
    )
    async def replay(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        subscription_id: FromPath[str],
        data: JSONBody[Replay],
    ) -> Queued:
        """Queue a new delivery of every event recorded since `since` that it matches
        (at most 10,000 per call; replay again from the last one's time for more)."""
        tenant_id = principal.require_tenant()
        await services.subscriptions.get(tenant_id, subscription_id)
        queued = await services.outbox.replay(tenant_id, subscription_id, data.since)
        return Queued(queued=queued)


class EventRedeliveryController(Controller):
    """Sending one event again."""

    path = "/v1/events/{event_id:str}/redeliver"
    tags = ["events"]

    @post(
        "/",
        operation_id="redeliverEvent",
        summary="Send an event again",
        status_code=202,
        **contract(Scope.EVENTS_WRITE, 404),
    )
    async def redeliver(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        event_id: FromPath[str],
    ) -> Queued:
        """Queue a new delivery of the event to every enabled subscription it matches now."""
        tenant_id = principal.require_tenant()
        event = await services.events.get(tenant_id, event_id)
        return Queued(queued=await services.outbox.redeliver(tenant_id, event))


class CallWebhooksController(Controller):
    """The secret that signs what a call's `webhook_url` receives."""

    path = "/v1/call-webhooks/rotate-secret"
    tags = ["events"]

    @post(
        "/",
        operation_id="rotateCallWebhookSecret",
        summary="Make or rotate the call-webhook signing secret",
        status_code=200,
        **contract(Scope.EVENTS_WRITE, 409),
    )
    async def rotate(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> SigningSecret:
        """The tenant's call-webhook secret, shown only now: a call placed with a
        `webhook_url` sends its normalized `call.*` events there, signed with it. Rotating
        keeps the old one signing too until `previous_valid_until`."""
        return await services.subscriptions.rotate_call_secret(principal.require_tenant())
