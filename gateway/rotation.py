"""Vendor credential rotation: issue a new credential, verify it, store it, revoke the old one.

Every step keeps a working credential stored: the new one replaces the old only after it has
proven itself, the store is a compare-and-swap (a concurrent change wins, and our new vendor key
is revoked again), and the old key is revoked last, with a failure there reported, not fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from adapters.base import CredentialRotator, IssuedCredential
from contract.errors import Conflict, GatewayError, NotFound
from gateway.pipeline import credential_id
from gateway.services import Services
from policies.vault import CredentialMetadata, StaleCredentialError

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RotationResult:
    """The stored credential after rotation and what became of the previous one."""

    credential: CredentialMetadata
    previous_revoked: bool
    warnings: list[str]


async def rotate_vendor_credential(
    services: Services, tenant_id: str, vendor: str
) -> RotationResult:
    """Rotate the tenant's credential for ``vendor`` (404 if the vendor cannot rotate).

    Rotations of one credential are serialized in this process; across replicas the
    compare-and-swap decides, and the loser revokes the key it made.
    """
    adapter = services.registry.get(vendor)
    if not isinstance(adapter, CredentialRotator):
        raise NotFound(f"vendor '{vendor}' does not support credential rotation")
    async with services.rotation_locks[(tenant_id, vendor)]:
        return await _rotate(services, adapter, tenant_id, vendor)


async def _rotate(
    services: Services, adapter: CredentialRotator, tenant_id: str, vendor: str
) -> RotationResult:
    stored = await services.vault.metadata(tenant_id, vendor)
    secret = await services.vault.get_secret(tenant_id, vendor)
    if stored is None or secret is None:
        raise NotFound(f"this tenant has no {vendor} credential to rotate")
    current = adapter.load_credential(secret)
    previous_labels = {**stored.labels, **adapter.credential_labels(current)}

    label = f"caller-gateway {tenant_id} {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
    shaped = _Shaped(services, adapter, tenant_id)
    current_key = credential_id(secret)
    issued = await shaped.call(
        current_key, "issue_credential", lambda: adapter.issue_credential(current, label)
    )
    issued_key = credential_id(msgspec.to_builtins(issued.credential))
    try:
        await shaped.call(
            issued_key, "verify_credential", lambda: adapter.verify_credential(issued.credential)
        )
        updated = await services.vault.put(
            tenant_id,
            vendor,
            msgspec.to_builtins(issued.credential),
            labels=issued.labels,
            expected_fingerprint=stored.fingerprint,
        )
    except Exception as exc:
        await _discard(shaped, issued_key, issued, vendor)
        if isinstance(exc, StaleCredentialError):
            raise Conflict(
                "the credential changed while it was being rotated; nothing was replaced",
                vendor=vendor,
            ) from None
        raise

    warnings: list[str] = []
    try:
        await shaped.call(
            issued_key,
            "revoke_credential",
            lambda: adapter.revoke_credential(issued.credential, previous_labels),
        )
    except GatewayError as exc:
        warnings.append(
            f"the new credential is stored and works, but the previous vendor key could not be "
            f"revoked ({exc.detail}); revoke it in the vendor's console"
        )
    return RotationResult(credential=updated, previous_revoked=not warnings, warnings=warnings)


class _Shaped:
    """The adapter's calls, through the rate budget of the credential each one uses."""

    def __init__(self, services: Services, adapter: CredentialRotator, tenant_id: str) -> None:
        self._pipeline = services.pipeline
        self._tenant_id = tenant_id
        self.adapter = adapter

    async def call(
        self, credential_key: str, operation: str, invoke: Callable[[], Awaitable[T]]
    ) -> T:
        return await self._pipeline.call(
            self.adapter.declaration, credential_key, operation, invoke, self._tenant_id
        )


async def _discard(shaped: _Shaped, issued_key: str, issued: IssuedCredential, vendor: str) -> None:
    """Best effort: a just-issued key that will not be used revokes itself (the old key may
    already be gone, revoked by a rotation that won)."""
    try:
        await shaped.call(
            issued_key,
            "revoke_credential",
            lambda: shaped.adapter.revoke_credential(issued.credential, issued.labels),
        )
    except GatewayError as exc:
        log.warning(
            "could not revoke an unused new vendor key",
            extra={"vendor": vendor, "vendor_key": issued.labels, "reason": exc.detail},
        )
