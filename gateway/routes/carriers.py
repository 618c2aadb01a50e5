"""``/v1/carriers``: bring-your-own-carrier SIP trunks numbers can be attached to."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from adapters.capabilities import CarrierSource
from adapters.declaration import Op
from contract.agents import Carrier, CarrierCreate, CarrierList
from contract.errors import ValidationFailed
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.openapi import BODY_ERRORS, READ_ERRORS, WRITE_ERRORS, contract
from gateway.routes.answers import answer
from gateway.routes.include import IncludeQuery, with_includes
from gateway.routes.params import IdempotencyKeyHeader
from gateway.services import Services


class CarriersController(Controller):
    """SIP trunks of the tenant's vendor accounts."""

    path = "/v1/carriers"
    tags = ["carriers"]

    @get(
        "/",
        operation_id="listCarriers",
        summary="List carriers",
        **contract(Scope.NUMBERS_READ, *READ_ERRORS),
    )
    async def list_carriers(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        include: IncludeQuery = None,
    ) -> Response[CarrierList]:
        """Every carrier of every configured vendor, each vendor's own carrier included."""
        gathered = await services.dispatcher.collect(
            principal.require_tenant(),
            CarrierSource,
            Op.LIST_CARRIERS,
            lambda adapter, credential: adapter.list_carriers(credential),
        )
        carriers = CarrierList(data=gathered.values, errors=gathered.errors)
        return answer(with_includes(carriers, include), gathered.facts)

    @post(
        "/",
        operation_id="addCarrier",
        summary="Add a carrier",
        status_code=201,
        **contract(Scope.NUMBERS_WRITE, *BODY_ERRORS, *WRITE_ERRORS),
    )
    async def add_carrier(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[CarrierCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[Carrier]:
        """Add a SIP trunk; the vendor's rules are checked here first and fail with field errors.

        Registration and inbound-auth passwords go to the vendor only: they are never stored,
        logged or returned.
        """
        tenant_id = principal.require_tenant()
        bound = await services.dispatcher.choose(tenant_id, CarrierSource, data.vendor)
        problems = bound.adapter.validate_carrier(data)
        if problems:
            raise ValidationFailed("the carrier breaks the vendor's rules", errors=problems)
        vendor_key = vendor_idempotency_key(tenant_id, "add_carrier", idempotency_key)

        async def add() -> Carrier:
            outcome = await services.dispatcher.call(
                bound,
                Op.ADD_CARRIER,
                lambda adapter, credential: adapter.add_carrier(credential, data, vendor_key),
            )
            return with_includes(outcome.value, None)

        return await run_idempotently(
            services.idempotency,
            tenant_id,
            "add_carrier",
            idempotency_key,
            request_fingerprint("POST", "carriers", msgspec.to_builtins(data)),
            add,
            status_code=201,
        )

    @delete(
        "/{carrier_id:str}",
        operation_id="deleteCarrier",
        summary="Delete a carrier",
        **contract(Scope.NUMBERS_WRITE, 404, *WRITE_ERRORS),
    )
    async def delete_carrier(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        carrier_id: FromPath[str],
    ) -> None:
        """Delete a carrier (409 while numbers use it; the vendor's own carrier cannot go)."""
        bound, native = services.dispatcher.bind_by_id(
            principal.require_tenant(), carrier_id, CarrierSource
        )
        await services.dispatcher.call(
            bound,
            Op.DELETE_CARRIER,
            lambda adapter, credential: adapter.delete_carrier(credential, native),
        )
