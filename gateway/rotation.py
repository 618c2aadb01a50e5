"""Vendor credential rotation: issue a new credential, verify it, store it, revoke the old one.

Every step keeps a working credential stored: the new one replaces the old only after it has
proven itself, the store is a compare-and-swap (a concurrent change wins, and our new vendor key
is revoked again), and the old key is revoked last, with a failure there reported, not fatal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from adapters.capabilities import CredentialRotator, IssuedCredential
from adapters.declaration import Op
from contract.errors import Conflict, GatewayError, NotFound
from gateway.pipeline import Held, VendorCall, credential_id
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
    lock = services.rotation_locks.setdefault((tenant_id, vendor), asyncio.Lock())
    async with lock:
        return await _rotate(services, adapter, tenant_id, vendor)


async def _rotate(
    services: Services, adapter: CredentialRotator[object], tenant_id: str, vendor: str
) -> RotationResult:
    stored = await services.vault.metadata(tenant_id, vendor)
    opened = await services.vault.open(tenant_id, vendor)
    if stored is None or opened is None:
        raise NotFound(f"this tenant has no {vendor} credential to rotate")
    secret = opened.secret
    current = Held(adapter.load_credential(secret), credential_id(secret), budgets=opened.budgets)
    previous_labels = {**stored.labels, **adapter.credential_labels(secret)}

    label = f"caller-gateway {tenant_id} {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
    vendor_calls = _VendorCalls(services, adapter, tenant_id)
    issued = await vendor_calls.run(
        current, Op.ISSUE_CREDENTIAL, lambda c: adapter.issue_credential(c, label)
    )
    issued_secret = msgspec.to_builtins(issued.credential)
    fresh = Held(issued.credential, credential_id(issued_secret), budgets=opened.budgets)
    try:
        await vendor_calls.run(fresh, Op.VERIFY_CREDENTIAL, adapter.verify_credential)
        updated = await services.vault.put(
            tenant_id,
            vendor,
            issued_secret,
            labels=issued.labels,
            expected_fingerprint=stored.fingerprint,
        )
    except Exception as exc:
        await _discard(vendor_calls, fresh, issued, vendor)
        if isinstance(exc, StaleCredentialError):
            raise Conflict(
                "the credential changed while it was being rotated; nothing was replaced",
                vendor=vendor,
            ) from None
        raise

    warnings: list[str] = []
    try:
        await vendor_calls.run(
            fresh,
            Op.REVOKE_CREDENTIAL,
            lambda c: adapter.revoke_credential(c, previous_labels),
        )
    except GatewayError as exc:
        warnings.append(
            f"the new credential is stored and works, but the previous vendor key could not be "
            f"revoked ({exc.detail}); revoke it in the vendor's console"
        )
    return RotationResult(credential=updated, previous_revoked=not warnings, warnings=warnings)


class _VendorCalls:
    """Rotation's vendor calls, each through the pipeline with the credential it names."""

    def __init__(
        self, services: Services, adapter: CredentialRotator[object], tenant_id: str
    ) -> None:
        self._pipeline = services.pipeline
        self._tenant_id = tenant_id
        self.adapter = adapter

    async def run(self, held: Held, op: Op, invoke: Callable[[object], Awaitable[T]]) -> T:
        outcome = await self._pipeline.run(
            VendorCall(self.adapter, op, self._tenant_id, invoke, held=held)
        )
        return outcome.value


async def _discard(
    vendor_calls: _VendorCalls, fresh: Held, issued: IssuedCredential, vendor: str
) -> None:
    """Best effort: a just-issued key that will not be used revokes itself (the old key may
    already be gone, revoked by a rotation that won)."""
    adapter = vendor_calls.adapter
    try:
        await vendor_calls.run(
            fresh,
            Op.REVOKE_CREDENTIAL,
            lambda c: adapter.revoke_credential(c, issued.labels),
        )
    except GatewayError as exc:
        log.warning(
            "could not revoke an unused new vendor key",
            extra={"vendor": vendor, "vendor_key": issued.labels, "reason": exc.detail},
        )
