"""``/v1/operations``: asynchronous vendor work the gateway follows for the consumer."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from contract.caller_id import Operation
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import READ_ERRORS, contract
from gateway.routes.include import IncludeQuery, with_includes
from gateway.services import Services


class OperationsController(Controller):
    """Poll an operation until its status is no longer `pending`."""

    path = "/v1/operations"
    tags = ["numbers"]

    @get(
        "/{operation_id:str}",
        operation_id="getOperation",
        summary="Get an operation",
        **contract(Scope.NUMBERS_READ, 404, *READ_ERRORS),
    )
    async def get_operation(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        operation_id: FromPath[str],
        include: IncludeQuery = None,
    ) -> Operation:
        """Where each number of a register or release request stands at the vendor now."""
        operation = await services.number_operations.get(principal.require_tenant(), operation_id)
        return with_includes(operation, include)
