"""``/v1/calls``: call records and live-call checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from adapters.capabilities import CallPlacer, CallSource, LiveCallChecker
from adapters.declaration import Op
from contract.agents import ActionResult, CallCreate
from contract.cursor import filters_fingerprint
from contract.errors import FieldError, ValidationFailed
from contract.schema import Call, CallPage, LiveCallCheck, newest_first
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.events.canceled import record_canceled_call
from gateway.events.hydrate import call_hydrator
from gateway.events.registration import subscribe_call, with_gateway_webhook
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.openapi import BODY_ERRORS, READ_ERRORS, WRITE_ERRORS, contract
from gateway.routes.actions import run_action
from gateway.routes.admin_webhook_endpoints import public_url
from gateway.routes.answers import answer
from gateway.routes.include import IncludeQuery, all_with_includes, with_includes
from gateway.routes.params import (
    CursorParam,
    IdempotencyKeyHeader,
    Limit,
    NumberQuery,
    VendorFilter,
    e164_param,
)
from gateway.services import Services


class CallsController(Controller):
    """Calls across vendors in one shape."""

    path = "/v1/calls"
    tags = ["calls"]

    @get(
        "/",
        operation_id="listCalls",
        summary="List calls",
        **contract(Scope.CALLS_READ, *READ_ERRORS),
    )
    async def list_calls(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        vendor: VendorFilter = None,
        from_date: Annotated[
            date | None, Parameter(description="Calls started on or after this UTC day.")
        ] = None,
        to_date: Annotated[
            date | None, Parameter(description="Calls started on or before this UTC day.")
        ] = None,
        limit: Limit = 50,
        cursor: CursorParam = None,
        include: IncludeQuery = None,
    ) -> Response[CallPage]:
        """Calls, most recent first, cursor-paginated."""
        if from_date and to_date and to_date < from_date:
            raise ValidationFailed(
                "to_date is before from_date",
                errors=[FieldError(field="query.to_date", message="must not be before from_date")],
            )
        listing = await services.dispatcher.paginate(
            principal.require_tenant(),
            CallSource,
            vendor,
            filters_fingerprint("calls", vendor, from_date, to_date),
            limit,
            cursor,
            Op.LIST_CALLS,
            lambda adapter, credential, token, size: adapter.list_calls(
                credential, token, size, from_date, to_date
            ),
            newest_first,
        )
        page = CallPage(
            data=all_with_includes(listing.items, include),
            next_cursor=listing.next_cursor,
            errors=listing.errors,
        )
        return answer(page, listing.facts)

    @get(
        "/live",
        operation_id="checkLiveCall",
        summary="Check for a live call",
        **contract(Scope.CALLS_READ, *READ_ERRORS),
    )
    async def check_live_call(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        number: NumberQuery,
    ) -> Response[LiveCallCheck]:
        """Whether an answered call is in progress on the number right now, asked of every
        vendor with live-call checks at once (those that fail are listed in `errors`)."""
        e164 = e164_param(number, "query.number")
        gathered = await services.dispatcher.fan_out(
            principal.require_tenant(),
            LiveCallChecker,
            Op.CHECK_LIVE_CALL,
            lambda adapter, credential: adapter.check_live_call(credential, e164),
        )
        found = next((r for r in gathered.values if r.live_call), gathered.values[0])
        check = msgspec.structs.replace(found, errors=gathered.errors)
        return answer(check, gathered.facts)

    @get(
        "/{call_id:str}",
        operation_id="getCall",
        summary="Get a call",
        **contract(Scope.CALLS_READ, 404, *READ_ERRORS),
    )
    async def get_call(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        call_id: FromPath[str],
        include: IncludeQuery = None,
    ) -> Response[Call]:
        """One call by its gateway id."""
        bound, native = services.dispatcher.bind_by_id(
            principal.require_tenant(), call_id, CallSource
        )
        outcome = await services.dispatcher.call(
            bound, Op.GET_CALL, lambda adapter, credential: adapter.get_call(credential, native)
        )
        return answer(with_includes(outcome.value, include), outcome.facts)

    @post(
        "/",
        operation_id="placeCall",
        summary="Place an AI call",
        status_code=201,
        **contract(Scope.CALLS_WRITE, *BODY_ERRORS, *WRITE_ERRORS),
    )
    async def place_call(
        self,
        request: Request,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[CallCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[Call]:
        """Queue an AI call; follow it with `GET /v1/calls/{id}`, the event log, or `webhook_url`.

        The call's events come to the gateway (through the tenant's webhook endpoint for the
        vendor) and land in `GET /v1/events` as unified events. With `webhook_url`, the gateway
        also sends that URL the call's `call.*` events, normalized and signed with the tenant's
        call-webhook secret (`POST /v1/call-webhooks/rotate-secret` makes it; 409 until then).

        With `Idempotency-Key`, a retry never dials twice: the gateway replays its first answer,
        and forwards a key derived from yours to the vendor, which deduplicates too.
        """
        tenant_id = principal.require_tenant()
        to_e164 = e164_param(data.to_number, "body.to_number")
        from_e164 = e164_param(data.from_number, "body.from_number") if data.from_number else None
        bound = await services.dispatcher.choose(tenant_id, CallPlacer, data.vendor)
        problems = bound.adapter.validate_call(data)
        if problems:
            raise ValidationFailed(
                f"{bound.vendor} cannot place this call as asked", errors=problems
            )
        vendor_key = vendor_idempotency_key(tenant_id, "place_call", idempotency_key)
        routed = await with_gateway_webhook(
            services.call_webhooks, tenant_id, bound.vendor, data, public_url(services, request)
        )

        async def place() -> Call:
            outcome = await services.dispatcher.call(
                bound,
                Op.PLACE_CALL,
                lambda adapter, credential: adapter.place_call(
                    credential, routed.call, to_e164, from_e164, vendor_key
                ),
            )
            if routed.consumer_url is not None:
                await subscribe_call(
                    services.call_webhooks,
                    tenant_id,
                    outcome.value.id,
                    routed.consumer_url,
                    routed.consumer_types,
                )
            return with_includes(outcome.value, None)

        return await run_idempotently(
            services.idempotency,
            tenant_id,
            "place_call",
            idempotency_key,
            request_fingerprint("POST", "calls", msgspec.to_builtins(data)),
            place,
            status_code=201,
        )

    @post(
        "/{call_id:str}/stop",
        operation_id="stopCall",
        summary="Stop a call",
        status_code=200,
        **contract(Scope.CALLS_WRITE, 404, *WRITE_ERRORS),
    )
    async def stop_call(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        call_id: FromPath[str],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[ActionResult]:
        """Hang up a queued or in-progress call (409 once it has ended)."""
        return await run_action(
            services,
            principal,
            CallPlacer,
            call_id,
            Op.STOP_CALL,
            "stop",
            "calls cannot be stopped",
            idempotency_key,
            lambda adapter, credential, native, key: adapter.stop_call(credential, native, key),
        )

    @post(
        "/{call_id:str}/cancel",
        operation_id="cancelCall",
        summary="Cancel a queued call",
        status_code=200,
        **contract(Scope.CALLS_WRITE, 404, *WRITE_ERRORS),
    )
    async def cancel_call(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        call_id: FromPath[str],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[ActionResult]:
        """Cancel a call that has not started (409 once it has: use `stop`). The vendor sends
        no webhook for it, so the gateway records `call.canceled` itself."""
        canceled = await run_action(
            services,
            principal,
            CallPlacer,
            call_id,
            Op.CANCEL_CALL,
            "cancel",
            "calls cannot be cancelled",
            idempotency_key,
            lambda adapter, credential, native, key: adapter.cancel_call(credential, native, key),
        )
        if (canceled.status_code or 200) < 300:  # a replayed refusal is no cancel
            await record_canceled_call(
                services.event_recorder,
                call_hydrator(services.dispatcher),
                principal.require_tenant(),
                call_id,
            )
        return canceled
