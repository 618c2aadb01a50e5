"""``/v1/numbers`` and ``/v1/test-numbers``."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from adapters.base import NumberSource, TestNumberSource
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.cursor import filters_fingerprint
from gateway.errors import VendorNotConfigured
from gateway.openapi import READ_ERRORS, contract
from gateway.routes.params import (
    CacheControlHeader,
    CursorParam,
    Limit,
    PrefixQuery,
    VendorFilter,
    prefix_param,
    wants_fresh,
)
from gateway.schema import Number, NumberPage, TestNumberList
from gateway.services import Services


class NumbersController(Controller):
    """Numbers the tenant holds with its vendors."""

    path = "/v1"
    tags = ["numbers"]

    @get(
        "/numbers",
        operation_id="listNumbers",
        summary="List numbers",
        **contract(Scope.NUMBERS_READ, *READ_ERRORS),
    )
    async def list_numbers(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        vendor: VendorFilter = None,
        limit: Limit = 50,
        cursor: CursorParam = None,
    ) -> NumberPage:
        """Numbers across the tenant's vendors (or one), cursor-paginated."""
        listing = await services.dispatcher.paginate(
            principal.require_tenant(),
            NumberSource,
            vendor,
            filters_fingerprint("numbers", vendor),
            limit,
            cursor,
            "list_numbers",
            lambda bound, page, size: bound.adapter.list_numbers(bound.credential, page, size),
        )
        return NumberPage(
            data=listing.items, next_cursor=listing.next_cursor, errors=listing.errors
        )

    @get(
        "/numbers/{number_id:str}",
        operation_id="getNumber",
        summary="Get a number",
        **contract(Scope.NUMBERS_READ, 404, *READ_ERRORS),
    )
    async def get_number(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        number_id: FromPath[str],
    ) -> Number:
        """One number by its gateway id."""
        bound, native = await services.dispatcher.bind_by_id(
            principal.require_tenant(), number_id, NumberSource
        )
        return await services.dispatcher.call(
            bound, "get_number", lambda: bound.adapter.get_number(bound.credential, native)
        )

    @get(
        "/test-numbers",
        operation_id="listTestNumbers",
        summary="List test numbers",
        **contract(Scope.NUMBERS_READ, *READ_ERRORS),
    )
    async def list_test_numbers(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        prefix: PrefixQuery = None,
        cache_control: CacheControlHeader = None,
    ) -> TestNumberList:
        """Public numbers for trialling a route before real traffic."""
        digits = prefix_param(prefix, "query.prefix") if prefix is not None else None
        tenant_id = principal.require_tenant()
        sources = await services.dispatcher.bind_all_capable(tenant_id, TestNumberSource)
        if not sources:
            raise VendorNotConfigured("no vendor with test numbers is configured for this tenant")
        data = []
        for bound in sources:
            listed = await services.dispatcher.cached(
                bound,
                "list_test_numbers",
                (digits,),
                TestNumberList,
                lambda b=bound: b.adapter.list_test_numbers(b.credential, digits),
                refresh=wants_fresh(cache_control),
            )
            data.extend(listed.data)
        return TestNumberList(data=data, prefix=digits)
