"""The credential vault: per-tenant, write-only vendor secrets under envelope encryption.

Master-key rotation without downtime: give every replica the new key alongside the old one
(``"1:...,2:..."``; the highest version wraps new records), call :meth:`Vault.rotate_master_key`,
then drop the old key once the report shows no record left on it. Values sealed with
:meth:`Vault.seal_value` live in their owners' tables: each owner re-seals its own with
:meth:`Vault.reseal` (see :mod:`policies.vault.sealed_columns`), and the rotation command runs
them all after the credentials, filling :attr:`RotationReport.sealed_values`.
"""

from __future__ import annotations

import builtins
import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from policies.vault.backend import (
    UNSET,
    BudgetLimit,
    ExpectedFingerprint,
    StoredCredential,
    VaultBackend,
)
from policies.vault.envelope import SealedSecret, context_bytes, rewrap, seal, unseal
from policies.vault.errors import CredentialDecryptError, StaleCredentialError
from policies.vault.keyring import Keyring
from policies.vault.sealed_columns import ResealCount

logger = logging.getLogger(__name__)


class Secret(dict[str, str]):
    """A decrypted credential; its repr names its fields but never shows their values."""

    def __repr__(self) -> str:
        return f"Secret(fields={sorted(self)}, values=<redacted>)"


class CredentialMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """What may be shown about a stored credential: everything but the secret."""

    vendor: str
    fingerprint: str
    created_at: datetime
    rotated_at: datetime | None
    master_key_version: int
    labels: dict[str, str]
    budgets: dict[str, BudgetLimit] = msgspec.field(default_factory=dict)
    """The operator's overrides of the vendor's budgets (the others are the vendor's)."""


class OpenedCredential(msgspec.Struct, frozen=True, kw_only=True):
    """A decrypted credential with its budget overrides, read together."""

    secret: Secret
    budgets: dict[str, BudgetLimit]


class RotationReport(msgspec.Struct, kw_only=True):
    """The outcome of re-wrapping every record under the active master key."""

    active_version: int
    rewrapped: int = 0
    already_current: int = 0
    skipped_concurrent: int = 0
    """Records concurrent writes kept from being re-wrapped (changed twice, or deleted)."""
    failed: builtins.list[tuple[str, str]] = msgspec.field(default_factory=builtins.list)
    """``(tenant_id, vendor)`` of records that could not be unwrapped."""
    sealed_values: dict[str, ResealCount] = msgspec.field(default_factory=dict)
    """Values sealed outside the credentials table, by kind (``table.column``)."""

    @property
    def any_failed(self) -> bool:
        """Whether a credential or a sealed value did not open: dropping the old key loses it."""
        return bool(self.failed) or any(c.failed for c in self.sealed_values.values())


class Vault:
    """Per-tenant credentials: stored sealed, read back only by the gateway itself."""

    def __init__(self, backend: VaultBackend, keyring: Keyring) -> None:
        self._backend = backend
        self._keyring = keyring

    def __repr__(self) -> str:
        return f"Vault(backend={self._backend!r}, keyring={self._keyring!r})"

    async def put(
        self,
        tenant_id: str,
        vendor: str,
        secret: Mapping[str, str],
        *,
        labels: Mapping[str, str] | None = None,
        expected_fingerprint: ExpectedFingerprint = UNSET,
    ) -> CredentialMetadata:
        """Store a tenant's credential for a vendor, replacing any previous one.

        ``expected_fingerprint`` makes the write conditional: ``None`` only creates, a
        fingerprint only replaces that credential. A failed condition raises
        :class:`StaleCredentialError`.
        """
        plaintext = _encode_secret(secret)
        existing = await self._backend.get(tenant_id, vendor)
        now = datetime.now(UTC)
        record = StoredCredential(
            tenant_id=tenant_id,
            vendor=vendor,
            sealed=seal(self._keyring, tenant_id, vendor, plaintext),
            fingerprint=_fingerprint(tenant_id, vendor, plaintext),
            created_at=existing.created_at if existing else now,
            rotated_at=now if existing else None,
            updated_at=now,
            labels=dict(labels or {}),
            budgets=dict(existing.budgets) if existing else {},
        )
        if not await self._backend.put(record, expected_fingerprint=expected_fingerprint):
            raise _stale(tenant_id, vendor)
        return _metadata(record)

    async def get_secret(self, tenant_id: str, vendor: str) -> Secret | None:
        """The decrypted credential, or None; raises :class:`CredentialDecryptError`."""
        opened = await self.open(tenant_id, vendor)
        return None if opened is None else opened.secret

    async def open(self, tenant_id: str, vendor: str) -> OpenedCredential | None:
        """The decrypted credential and its budget overrides (one read), or None; raises
        :class:`CredentialDecryptError`."""
        record = await self._backend.get(tenant_id, vendor)
        if record is None:
            return None
        plaintext = unseal(self._keyring, tenant_id, vendor, record.sealed)
        secret = Secret(msgspec.json.decode(plaintext, type=dict[str, str]))
        return OpenedCredential(secret=secret, budgets=dict(record.budgets))

    async def set_budget(
        self, tenant_id: str, vendor: str, budget: str, limit: BudgetLimit | None
    ) -> CredentialMetadata | None:
        """Override one budget of the tenant's credential for ``vendor`` (``None``: back to the
        vendor's default); the credential's metadata after it, or None when none is stored.
        Checking the limit against the vendor's facts is the caller's business."""
        if not await self._backend.set_budget(tenant_id, vendor, budget, limit):
            return None
        return await self.metadata(tenant_id, vendor)

    def seal_value(self, tenant_id: str, purpose: str, plaintext: bytes) -> bytes:
        """Encrypt something derived from a credential (a vendor token) to keep elsewhere.

        ``purpose`` is bound in like a vendor name, so a value sealed for one purpose or tenant
        never opens as another.
        """
        return msgspec.json.encode(seal(self._keyring, tenant_id, purpose, plaintext))

    def open_value(self, tenant_id: str, purpose: str, sealed: bytes) -> bytes | None:
        """The plaintext of :meth:`seal_value`, or ``None`` when it no longer opens (its master
        key was retired, or it was tampered with): the caller derives it again."""
        try:
            return unseal(
                self._keyring, tenant_id, purpose, msgspec.json.decode(sealed, type=SealedSecret)
            )
        except (CredentialDecryptError, msgspec.DecodeError):
            return None

    def reseal(self, tenant_id: str, purpose: str, sealed: bytes) -> bytes | None:
        """:meth:`seal_value`'s ``sealed`` under the active master key (its data key wrapped
        again, after the payload authenticates): ``sealed`` itself when it already is,
        ``None`` when it no longer opens."""
        try:
            envelope = msgspec.json.decode(sealed, type=SealedSecret)
        except msgspec.DecodeError:
            return None
        if envelope.master_key_version == self._keyring.active.version:
            return sealed
        try:
            return msgspec.json.encode(rewrap(self._keyring, tenant_id, purpose, envelope))
        except CredentialDecryptError:
            return None

    async def metadata(self, tenant_id: str, vendor: str) -> CredentialMetadata | None:
        """The metadata of one credential, or None."""
        record = await self._backend.get(tenant_id, vendor)
        return None if record is None else _metadata(record)

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a credential; False when there was none."""
        return await self._backend.delete(tenant_id, vendor)

    async def delete_tenant(self, tenant_id: str) -> int:
        """Destroy every credential of a tenant (erasure); how many there were."""
        return await self._backend.delete_tenant(tenant_id)

    async def rotate_master_key(self) -> RotationReport:
        """Re-wrap every record's data key under the active master key.

        Each swap is a compare-and-swap, so a credential written meanwhile is never
        overwritten; a lost swap is retried once on a fresh read.
        """
        report = RotationReport(active_version=self._keyring.active.version)
        async for record in self._backend.all_records():
            await self._rotate_record(record, report)
        return report

    async def list(self, tenant_id: str) -> builtins.list[CredentialMetadata]:
        """The metadata of a tenant's credentials, sorted by vendor."""
        return [_metadata(record) for record in await self._backend.list_for_tenant(tenant_id)]

    async def close(self) -> None:
        """Release the backend."""
        await self._backend.close()

    async def _rotate_record(self, record: StoredCredential, report: RotationReport) -> None:
        tenant_id, vendor = record.tenant_id, record.vendor
        current: StoredCredential | None = record
        for _attempt in range(2):
            if current is None:
                break
            if current.sealed.master_key_version == report.active_version:
                report.already_current += 1
                return
            try:
                rewrapped = rewrap(self._keyring, tenant_id, vendor, current.sealed)
            except CredentialDecryptError:
                logger.warning("vault: cannot re-wrap tenant=%s vendor=%s", tenant_id, vendor)
                report.failed.append((tenant_id, vendor))
                return
            if await self._backend.replace_sealed(tenant_id, vendor, current.sealed, rewrapped):
                report.rewrapped += 1
                return
            current = await self._backend.get(tenant_id, vendor)
        report.skipped_concurrent += 1


def _encode_secret(secret: Mapping[str, str]) -> bytes:
    """The canonical encoding of a secret: JSON with sorted keys."""
    if not secret:
        raise ValueError("a credential secret needs at least one field")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in secret.items()):
        raise TypeError("credential secret fields and values must be strings")
    return msgspec.json.encode(dict(secret), order="sorted")


def _fingerprint(tenant_id: str, vendor: str, plaintext: bytes) -> str:
    """Identify a secret without revealing it: a truncated, domain-separated SHA-256."""
    digest = hashlib.sha256(context_bytes("fingerprint", tenant_id, vendor) + plaintext)
    return "sha256:" + digest.hexdigest()[:16]


def _metadata(record: StoredCredential) -> CredentialMetadata:
    return CredentialMetadata(
        vendor=record.vendor,
        fingerprint=record.fingerprint,
        created_at=record.created_at,
        rotated_at=record.rotated_at,
        master_key_version=record.sealed.master_key_version,
        labels=dict(record.labels),
        budgets=dict(record.budgets),
    )


def _stale(tenant_id: str, vendor: str) -> StaleCredentialError:
    return StaleCredentialError(
        f"credential of tenant {tenant_id!r} for vendor {vendor!r} is not the expected one"
    )
