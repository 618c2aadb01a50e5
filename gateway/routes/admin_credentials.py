"""``/v1/admin/tenants/{tenant}/credentials``: write-only vendor secrets, and their rotation."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from adapters.capabilities import VendorAdapter
from contract.errors import FieldError, NotFound, ValidationFailed
from gateway.audit import AuditAction, AuditNote
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.credential_checks import (
    CredentialVerification,
    VerificationStatus,
    skipped,
    verify_with_vendor,
)
from gateway.credentials import load_for_vendor, seal_credential
from gateway.idempotency import request_fingerprint, run_idempotently
from gateway.openapi import BODY_ERRORS, contract
from gateway.rotation import rotate_vendor_credential
from gateway.routes.admin_budgets import credential_out
from gateway.routes.admin_schema import (
    CredentialList,
    CredentialPut,
    CredentialStored,
    RotationOut,
)
from gateway.routes.admin_tenants import managed_tenant
from gateway.routes.params import IdempotencyKeyHeader
from gateway.services import Services


async def _verify(
    services: Services, tenant_id: str, adapter: VendorAdapter, credential: object, note: AuditNote
) -> CredentialVerification:
    """Check with the vendor; its refusal ends the request with a 422, audited as such."""
    verification, refusal = await verify_with_vendor(
        services.pipeline, adapter, tenant_id, credential
    )
    note.detail["verification"] = verification.status.value
    if verification.status is VerificationStatus.VERIFIED:
        note.action = AuditAction.CREDENTIAL_VERIFIED
    if refusal is None:
        return verification
    note.action = AuditAction.CREDENTIAL_REJECTED
    raise ValidationFailed(
        f"{verification.detail}, so it was not stored; check the secret, or store it anyway "
        "with verify=false",
        errors=[FieldError(field="body.secret", message="refused by the vendor")],
        vendor=adapter.declaration.name,
        vendor_status=refusal.vendor_status,
    )


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
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.CREDENTIAL_STORED, tenant_id=tenant.id, target=vendor
        ) as note:
            adapter, credential = load_for_vendor(services.registry, vendor, data.secret)
            verification = (
                await _verify(services, tenant.id, adapter, credential, note)
                if verify
                else skipped(adapter)
            )
            note.detail["verification"] = verification.status.value
            meta = await seal_credential(
                services.vault, tenant.id, adapter, credential, data.secret
            )
            note.detail["fingerprint"] = meta.fingerprint
        services.dispatcher.forget_credentials(tenant.id)
        return CredentialStored(
            **msgspec.structs.asdict(credential_out(services, meta)), verification=verification
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
        tenant = await managed_tenant(services, principal, tenant_id)
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
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.CREDENTIAL_DELETED, tenant_id=tenant.id, target=vendor
        ):
            if not await services.vault.delete(tenant.id, vendor):
                raise NotFound("credential not found")
        services.dispatcher.forget_credentials(tenant.id)

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
        tenant = await managed_tenant(services, principal, tenant_id)

        async def rotate() -> RotationOut:
            async with services.audit.action(
                principal, AuditAction.CREDENTIAL_ROTATED, tenant_id=tenant.id, target=vendor
            ) as note:
                result = await rotate_vendor_credential(services, tenant.id, vendor)
                note.detail["fingerprint"] = result.credential.fingerprint
                note.detail["previous_revoked"] = str(result.previous_revoked).lower()
            services.dispatcher.forget_credentials(tenant.id)
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
