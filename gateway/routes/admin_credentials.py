"""``/v1/admin/tenants/{tenant}/credentials``: write-only vendor secrets, and their rotation."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from gateway import credential_admin
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently
from gateway.openapi import BODY_ERRORS, contract
from gateway.routes.admin_budgets import credential_out
from gateway.routes.admin_schema import (
    CredentialList,
    CredentialPut,
    CredentialStored,
    RotationOut,
)
from gateway.routes.params import IdempotencyKeyHeader
from gateway.services import Services


class CredentialsController(Controller):
    """A tenant's vendor credentials. Secrets go in and never come out."""

    path = "/v1/admin/tenants/{tenant_id:str}/credentials"
    tags = ["admin"]

    @put(
        "/{vendor:str}",
        operation_id="putCredential",
        summary="Store a credential",
        description=(
            "Checks the credential with the vendor first, with one cheap authenticated read "
            "(`verify=false` skips it). A credential the vendor refuses is not stored (422, "
            "`errors` on `body.secret`); one the vendor could not be asked about is stored and "
            "answered as `unverified`, with the reason."
        ),
        **contract(Scope.ADMIN, 404, *BODY_ERRORS),
    )
    async def put_credential(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
        data: JSONBody[CredentialPut],
        verify: Annotated[
            bool,
            Parameter(
                description="Ask the vendor whether the credential works before storing it.",
            ),
        ] = True,
    ) -> CredentialStored:
        """Store or replace the tenant's credential for a vendor; answers metadata only."""
        stored = await credential_admin.store_credential(
            services, principal, tenant_id, vendor, data.secret, verify
        )
        return CredentialStored(
            **msgspec.structs.asdict(credential_out(services, stored.metadata)),
            verification=stored.verification,
        )

    @get(
        "/",
        operation_id="listCredentials",
        summary="List credentials",
        **contract(Scope.ADMIN, 404),
    )
    async def list_credentials(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
    ) -> CredentialList:
        """Metadata of every stored credential of the tenant."""
        tenant = await credential_admin.managed_tenant(services, principal, tenant_id)
        return CredentialList(
            data=[credential_out(services, m) for m in await services.vault.list(tenant.id)]
        )

    @delete(
        "/{vendor:str}",
        operation_id="deleteCredential",
        summary="Delete a credential",
        **contract(Scope.ADMIN, 404),
    )
    async def delete_credential(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
    ) -> None:
        """Forget the tenant's credential for a vendor (the vendor key itself stays valid)."""
        await credential_admin.delete_credential(services, principal, tenant_id, vendor)

    @post(
        "/{vendor:str}/rotate",
        operation_id="rotateCredential",
        summary="Rotate a credential at the vendor",
        **contract(Scope.ADMIN, 404, 409, 422, 429, 502, 503, 504),
        status_code=200,
    )
    async def rotate_credential(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[RotationOut]:
        """Create a new vendor key, verify it, store it, then revoke the old one."""
        tenant = await credential_admin.managed_tenant(services, principal, tenant_id)

        async def rotate() -> RotationOut:
            result = await credential_admin.rotate_credential(
                services, principal, tenant.id, vendor
            )
            return RotationOut(
                credential=credential_out(services, result.credential),
                previous_revoked=result.previous_revoked,
                warnings=result.warnings,
            )

        return await run_idempotently(
            services.idempotency,
            tenant.id,
            f"rotate:{vendor}",
            idempotency_key,
            request_fingerprint("POST", f"credentials/{vendor}/rotate", None),
            rotate,
        )
