"""``/v1/numbers`` and ``/v1/test-numbers``."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from adapters.capabilities import NumberProvisioner, NumberRegistrar, NumberSource, TestNumberSource
from adapters.declaration import Op
from contract.agents import NumberCreate
from contract.caller_id import Operation
from contract.cursor import filters_fingerprint
from contract.errors import FieldError, ValidationFailed
from contract.schema import Number, NumberPage, TestNumberList, VendorIssue, oldest_first
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.number_operations import REGISTER, RELEASE
from gateway.openapi import BODY_ERRORS, READ_ERRORS, WRITE_ERRORS, contract, with_accepted
from gateway.pipeline import CacheUse
from gateway.routes.answers import answer
from gateway.routes.include import IncludeQuery, all_with_includes, with_includes
from gateway.routes.params import (
    CacheControlHeader,
    CursorParam,
    IdempotencyKeyHeader,
    Limit,
    PrefixQuery,
    VendorFilter,
    e164_param,
    prefix_param,
    wants_fresh,
)
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
        include: IncludeQuery = None,
    ) -> Response[NumberPage]:
        """Numbers across the tenant's vendors (or one), cursor-paginated."""
        listing = await services.dispatcher.paginate(
            principal.require_tenant(),
            NumberSource,
            vendor,
            filters_fingerprint("numbers", vendor),
            limit,
            cursor,
            Op.LIST_NUMBERS,
            lambda adapter, credential, token, size: adapter.list_numbers(credential, token, size),
            oldest_first,
        )
        page = NumberPage(
            data=all_with_includes(listing.items, include),
            next_cursor=listing.next_cursor,
            errors=listing.errors,
        )
        return answer(page, listing.facts)

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
        include: IncludeQuery = None,
    ) -> Response[Number]:
        """One number by its gateway id."""
        bound, native = services.dispatcher.bind_by_id(
            principal.require_tenant(), number_id, NumberSource
        )
        outcome = await services.dispatcher.call(
            bound, Op.GET_NUMBER, lambda adapter, credential: adapter.get_number(credential, native)
        )
        return answer(with_includes(outcome.value, include), outcome.facts)

    @post(
        "/numbers",
        operation_id="addNumber",
        summary="Add or register numbers",
        status_code=201,
        **with_accepted(contract(Scope.NUMBERS_WRITE, *BODY_ERRORS, *WRITE_ERRORS), Operation),
    )
    async def add_number(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[NumberCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[Number]:
        """Add a number to a vendor account (201), or register numbers for caller ID (202).

        Caller-ID vendors register asynchronously, in batches, into a feature set: the answer is
        an operation (`GET /v1/operations/{id}`) saying how the vendor classified each number.
        """
        tenant_id = principal.require_tenant()
        vendor = await services.dispatcher.choose_vendor(
            tenant_id, (NumberRegistrar, NumberProvisioner), data.vendor
        )
        fingerprint = request_fingerprint("POST", "numbers", msgspec.to_builtins(data))
        if vendor in services.registry.names_supporting(NumberRegistrar):
            registrar = services.dispatcher.bind(tenant_id, vendor, NumberRegistrar)
            feature_set, numbers = _registration(data)

            async def register() -> Operation:
                started = await services.number_operations.start(
                    registrar, REGISTER, feature_set, numbers
                )
                return with_includes(started, None)

            return await run_idempotently(
                services.idempotency,
                tenant_id,
                "register_numbers",
                idempotency_key,
                fingerprint,
                register,
                status_code=202,
            )
        provisioner = services.dispatcher.bind(tenant_id, vendor, NumberProvisioner)
        number = _single_number(data)
        carrier = _carrier_native_id(data)
        vendor_key = vendor_idempotency_key(tenant_id, "add_number", idempotency_key)

        async def add() -> Number:
            outcome = await services.dispatcher.call(
                provisioner,
                Op.ADD_NUMBER,
                lambda adapter, credential: adapter.add_number(
                    credential, data, number, carrier, vendor_key
                ),
            )
            return with_includes(outcome.value, None)

        return await run_idempotently(
            services.idempotency, tenant_id, "add_number", idempotency_key, fingerprint, add, 201
        )

    @delete(
        "/numbers/{number_id:str}",
        operation_id="releaseNumber",
        summary="Release a number",
        **with_accepted(contract(Scope.NUMBERS_WRITE, 404, *WRITE_ERRORS), Operation),
    )
    async def release_number(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        number_id: FromPath[str],
    ) -> Response[None]:
        """Release a number (204), or delist a caller-ID number (202 with an operation)."""
        tenant_id = principal.require_tenant()
        vendor, native = services.dispatcher.locate(
            number_id, (NumberRegistrar, NumberProvisioner), "numbers cannot be released"
        )
        if vendor in services.registry.names_supporting(NumberRegistrar):
            registrar = services.dispatcher.bind(tenant_id, vendor, NumberRegistrar)
            located = await services.dispatcher.call(
                registrar,
                Op.LOCATE_NUMBER,
                lambda adapter, credential: adapter.locate_number(credential, native),
            )
            number, feature_set = located.value
            operation = await services.number_operations.start(
                registrar, RELEASE, feature_set, [number.number]
            )
            accepted = Response(
                msgspec.json.encode(with_includes(operation, None)),
                status_code=202,
                media_type="application/json",
            )
            # the document's 202 (an Operation) comes from with_accepted(); the annotation
            # documents the 204
            return accepted  # type: ignore[return-value]
        provisioner = services.dispatcher.bind(tenant_id, vendor, NumberProvisioner)
        await services.dispatcher.call(
            provisioner,
            Op.RELEASE_NUMBER,
            lambda adapter, credential: adapter.release_number(credential, native),
        )
        return Response(None, status_code=204)

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
        include: IncludeQuery = None,
    ) -> Response[TestNumberList]:
        """Public numbers for trialling a route before real traffic, from every vendor that
        has them at once (cached; those that fail are listed in `errors`)."""
        digits = prefix_param(prefix, "query.prefix") if prefix is not None else None
        tenant_id = principal.require_tenant()
        gathered = await services.dispatcher.fan_out(
            tenant_id,
            TestNumberSource,
            Op.LIST_TEST_NUMBERS,
            lambda adapter, credential: adapter.list_test_numbers(credential, digits),
            CacheUse((digits,), TestNumberList, wants_fresh(cache_control)),
        )
        return services.answer_bodies.answer(
            tenant_id, gathered, _test_number_list, digits, include
        )


def _carrier_native_id(data: NumberCreate) -> str | None:
    """A carrier id from `GET /v1/carriers` is the vendor's own id behind ``<vendor>:``."""
    if data.carrier_id is None:
        return None
    vendor, sep, native = data.carrier_id.partition(":")
    if not sep or not native or vendor != data.vendor:
        raise ValidationFailed(
            "carrier_id is not a carrier of this vendor",
            errors=[
                FieldError(
                    field="body.carrier_id",
                    message=f"must be the id of a {data.vendor} carrier from GET /v1/carriers",
                )
            ],
        )
    return native


def _single_number(data: NumberCreate) -> str:
    if data.number is None or data.numbers is not None or data.feature_set_id is not None:
        raise ValidationFailed(
            f"{data.vendor} adds one number at a time, without a feature set",
            errors=[FieldError(field="body.number", message="give number (not numbers)")],
        )
    return e164_param(data.number, "body.number")


def _registration(data: NumberCreate) -> tuple[str, list[str]]:
    """The feature set and the numbers (E.164) of a caller-ID registration."""
    errors = []
    if data.feature_set_id is None:
        errors.append(FieldError(field="body.feature_set_id", message="is required"))
    if (data.number is None) == (data.numbers is None):
        errors.append(FieldError(field="body.numbers", message="give number or numbers"))
    if data.carrier_id is not None or data.label is not None:
        errors.append(
            FieldError(field="body", message="carrier_id and label do not apply to caller ID")
        )
    if errors:
        raise ValidationFailed(f"this is not a {data.vendor} registration", errors=errors)
    vendor, _, native = (data.feature_set_id or "").partition(":")
    if vendor != data.vendor or not native:
        raise ValidationFailed(
            "feature_set_id is not a feature set of this vendor",
            errors=[FieldError(field="body.feature_set_id", message="use an id from the list")],
        )
    raw = data.numbers if data.numbers is not None else [data.number or ""]
    numbers = [
        e164_param(item, f"body.numbers[{i}]" if data.numbers else "body.number")
        for i, item in enumerate(raw)
    ]
    return native, list(dict.fromkeys(numbers))


def _test_number_list(
    lists: list[TestNumberList], errors: list[VendorIssue], prefix: str | None
) -> TestNumberList:
    """Every vendor's test numbers in one list, for the asked ``prefix``."""
    numbers = [number for listed in lists for number in listed.data]
    return TestNumberList(data=numbers, prefix=prefix, errors=errors)
