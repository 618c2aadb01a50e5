"""Administering a tenant's vendor credentials: what the admin API and the console both do.

Secrets go in and never come out: every function answers metadata (fingerprint, labels,
times) and the vendor's verdict, never the secret. Each action is audited and makes this
process forget its copy of the tenant's credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.capabilities import VendorAdapter
from contract.credentials import CredentialVerification, VerificationStatus
from contract.errors import FieldError, NotFound, ValidationFailed
from gateway.audit import AuditAction, AuditNote
from gateway.auth.principal import Principal
from gateway.credential_checks import skipped, verify_with_vendor
from gateway.credentials import load_for_vendor, seal_credential
from gateway.rotation import RotationResult, rotate_vendor_credential
from gateway.services import Services
from gateway.tenant_admin import managed_tenant
from policies.vault import CredentialMetadata


@dataclass(frozen=True)
class StoredCredential:
    """A credential as stored, and what its vendor said of it."""

    metadata: CredentialMetadata
    verification: CredentialVerification


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


async def store_credential(
    services: Services,
    principal: Principal,
    tenant_id: str,
    vendor: str,
    secret: Mapping[str, str],
    verify: bool = True,
) -> StoredCredential:
    """Store or replace the tenant's credential for ``vendor``, checked with the vendor first
    unless ``verify`` is false; one the vendor refuses is not stored (422)."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal, AuditAction.CREDENTIAL_STORED, tenant_id=tenant.id, target=vendor
    ) as note:
        adapter, credential = load_for_vendor(services.registry, vendor, secret)
        verification = (
            await _verify(services, tenant.id, adapter, credential, note)
            if verify
            else skipped(adapter)
        )
        note.detail["verification"] = verification.status.value
        note.detail["verification_detail"] = verification.detail
        if verification.checked_at is not None:
            note.detail["checked_at"] = verification.checked_at.isoformat()
        meta = await seal_credential(services.vault, tenant.id, adapter, credential, secret)
        note.detail["fingerprint"] = meta.fingerprint
    await services.invalidations.credentials_changed(tenant.id)
    return StoredCredential(metadata=meta, verification=verification)


async def check_stored_credential(
    services: Services, principal: Principal, tenant_id: str, vendor: str
) -> CredentialVerification:
    """Ask the vendor whether the tenant's stored credential still works; nothing changes
    (a refusal is reported, not raised)."""
    tenant = await managed_tenant(services, principal, tenant_id)
    secret = await services.vault.get_secret(tenant.id, vendor)
    if secret is None:
        raise NotFound(f"this tenant has no {vendor} credential")
    adapter, credential = load_for_vendor(services.registry, vendor, secret)
    verification, _refusal = await verify_with_vendor(
        services.pipeline, adapter, tenant.id, credential
    )
    return verification


async def delete_credential(
    services: Services, principal: Principal, tenant_id: str, vendor: str
) -> None:
    """Forget the tenant's credential for ``vendor`` (the vendor key itself stays valid)."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal, AuditAction.CREDENTIAL_DELETED, tenant_id=tenant.id, target=vendor
    ):
        if not await services.vault.delete(tenant.id, vendor):
            raise NotFound("credential not found")
    await services.invalidations.credentials_changed(tenant.id)


async def rotate_credential(
    services: Services, principal: Principal, tenant_id: str, vendor: str
) -> RotationResult:
    """Create a new vendor key, verify it, store it, then revoke the old one."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal, AuditAction.CREDENTIAL_ROTATED, tenant_id=tenant.id, target=vendor
    ) as note:
        result = await rotate_vendor_credential(services, tenant.id, vendor)
        note.detail["fingerprint"] = result.credential.fingerprint
        note.detail["previous_revoked"] = str(result.previous_revoked).lower()
    await services.invalidations.credentials_changed(tenant.id)
    return result
