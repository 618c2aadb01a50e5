"""``/v1/vendors``: every registered vendor, and how the caller's tenant stands with it."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from contract.vendors import VendorStatusList
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.openapi import contract
from gateway.services import Services
from gateway.vendor_status import vendor_statuses


class VendorsController(Controller):
    """The vendors behind the gateway: capabilities, credential, budgets, breaker, cache."""

    path = "/v1/vendors"
    tags = ["vendors"]

    @get(
        "/",
        operation_id="listVendors",
        summary="List vendors and their health",
        description=(
            "Every vendor the gateway serves, whether or not the tenant stored a credential for "
            "it: what it can do, the credential's fingerprint and labels (never the secret), "
            "what each rate budget admits now, the credential's circuit breaker, and this "
            "replica's figures of the last ten minutes: cache lookups, calls admitted per "
            "minute, and the last vendor failure. Nothing is spent at the vendor."
        ),
        **contract(Scope.ACCOUNT_READ, 503),
    )
    async def list_vendors(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
    ) -> VendorStatusList:
        """Each registered vendor's health for the caller's tenant."""
        return VendorStatusList(data=await vendor_statuses(services, principal.require_tenant()))
