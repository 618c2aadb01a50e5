"""Asking the vendor whether a credential works before it is stored.

A vendor that declares ``verify_credential`` (a :class:`~adapters.capabilities.CredentialVerifier`)
is asked once, through the pipeline, so the credential's budget and breaker apply as to any other
call. Its refusal keeps the credential out of the vault; a vendor that cannot be asked (down,
slow, its budget spent) does not: the credential is stored and reported as unverified, with why.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from adapters.capabilities import CredentialVerifier, VendorAdapter
from adapters.declaration import Op
from contract.credentials import CredentialVerification, VerificationStatus
from contract.errors import GatewayError, VendorCredentialRejected
from gateway.pipeline import Held, VendorCall, VendorPipeline, credential_id


def skipped(adapter: VendorAdapter) -> CredentialVerification:
    """The outcome when the administrator asked not to check (``?verify=false``)."""
    return CredentialVerification(
        status=VerificationStatus.UNVERIFIED,
        detail=f"not checked with {adapter.declaration.display_name}: verify=false was given",
    )


async def verify_with_vendor(
    pipeline: VendorPipeline, adapter: VendorAdapter, tenant_id: str, credential: object
) -> tuple[CredentialVerification, VendorCredentialRejected | None]:
    """Ask the vendor about ``credential``; the refusal comes back too when there was one.

    Only a refusal by the vendor is ``rejected``; any other failure leaves the credential
    ``unverified``, with the reason (which never carries the secret).
    """
    name = adapter.declaration.display_name
    if not isinstance(adapter, CredentialVerifier):
        return (
            CredentialVerification(
                status=VerificationStatus.UNVERIFIED,
                detail=f"{name} offers no call that checks this credential",
            ),
            None,
        )
    held = Held(credential, credential_id(msgspec.to_builtins(credential)))
    checked_at = datetime.now(UTC)
    try:
        await pipeline.run(
            VendorCall(adapter, Op.VERIFY_CREDENTIAL, tenant_id, adapter.verify_credential, held)
        )
    except VendorCredentialRejected as exc:
        status = f" (HTTP {exc.vendor_status})" if exc.vendor_status else ""
        verification = CredentialVerification(
            status=VerificationStatus.REJECTED,
            checked_at=checked_at,
            detail=f"{name} refused this credential{status}",
        )
        return verification, exc
    except GatewayError as exc:
        return (
            CredentialVerification(
                status=VerificationStatus.UNVERIFIED,
                checked_at=checked_at,
                detail=f"{name} could not be asked: {exc.detail}",
            ),
            None,
        )
    return (
        CredentialVerification(
            status=VerificationStatus.VERIFIED,
            checked_at=checked_at,
            detail=f"{name} accepted this credential",
        ),
        None,
    )
