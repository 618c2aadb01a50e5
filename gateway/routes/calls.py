"""``/v1/calls``: call records and live-call checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from adapters.base import CallSource, LiveCallChecker
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.cursor import filters_fingerprint
from gateway.errors import FieldError, ValidationFailed, VendorNotConfigured
from gateway.openapi import READ_ERRORS, contract
from gateway.routes.params import CursorParam, Limit, NumberQuery, VendorFilter, e164_param
from gateway.schema import Call, CallPage, LiveCallCheck
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
    ) -> CallPage:
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
            "list_calls",
            lambda bound, page, size: bound.adapter.list_calls(
                bound.credential, page, size, from_date, to_date
            ),
        )
        return CallPage(data=listing.items, next_cursor=listing.next_cursor, errors=listing.errors)

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
    ) -> LiveCallCheck:
        """Whether an answered call is in progress on the number right now."""
        e164 = e164_param(number, "query.number")
        checkers = await services.dispatcher.bind_all_capable(
            principal.require_tenant(), LiveCallChecker
        )
        if not checkers:
            raise VendorNotConfigured("no vendor with live-call checks is configured")
        results = [
            await services.dispatcher.call(
                bound,
                "check_live_call",
                lambda b=bound: b.adapter.check_live_call(b.credential, e164),
            )
            for bound in checkers
        ]
        return next((r for r in results if r.live_call), results[0])

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
    ) -> Call:
        """One call by its gateway id."""
        bound, native = await services.dispatcher.bind_by_id(
            principal.require_tenant(), call_id, CallSource
        )
        return await services.dispatcher.call(
            bound, "get_call", lambda: bound.adapter.get_call(bound.credential, native)
        )
