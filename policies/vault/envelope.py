"""Envelope encryption of one credential: pure AES-256-GCM, no I/O.

Each record gets a fresh random data key that encrypts the payload; the data key is wrapped by
the keyring's active master key. Both encryptions bind the tenant and vendor as associated data
(the wrap also binds the master key version), so a record copied to another tenant or vendor,
or relabelled with another version, fails to decrypt.
"""

from __future__ import annotations

import os

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from policies.vault.errors import CredentialDecryptError, VaultKeyError
from policies.vault.keyring import KEY_SIZE, Keyring, MasterKey

NONCE_SIZE = 12
_TAG_SIZE = 16
_WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + _TAG_SIZE
_DOMAIN = b"caller-gateway/vault/v1"


class SealedSecret(msgspec.Struct, frozen=True, kw_only=True):
    """An encrypted credential as stored: nothing in it is secret without the master key."""

    master_key_version: int
    wrapped_data_key: bytes
    """The wrap nonce followed by the data key encrypted under the master key."""
    nonce: bytes
    ciphertext: bytes

    def __repr__(self) -> str:
        return (
            f"SealedSecret(master_key_version={self.master_key_version}, "
            f"ciphertext=<{len(self.ciphertext)} bytes>)"
        )


def context_bytes(label: str, tenant_id: str, vendor: str) -> bytes:
    """An unambiguous, versioned encoding of a purpose label, a tenant and a vendor."""
    parts = [_DOMAIN, label.encode(), tenant_id.encode(), vendor.encode()]
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def seal(keyring: Keyring, tenant_id: str, vendor: str, plaintext: bytes) -> SealedSecret:
    """Encrypt ``plaintext`` for ``(tenant_id, vendor)`` under a fresh data key."""
    data_key = AESGCM.generate_key(bit_length=KEY_SIZE * 8)
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _payload_ad(tenant_id, vendor))
    master = keyring.active
    return SealedSecret(
        master_key_version=master.version,
        wrapped_data_key=_wrap(master, data_key, tenant_id, vendor),
        nonce=nonce,
        ciphertext=ciphertext,
    )


def unseal(keyring: Keyring, tenant_id: str, vendor: str, sealed: SealedSecret) -> bytes:
    """Decrypt ``sealed``; raises :class:`CredentialDecryptError` if it does not authenticate."""
    data_key = _unwrap(keyring, tenant_id, vendor, sealed)
    return _decrypt(data_key, tenant_id, vendor, sealed)


def rewrap(keyring: Keyring, tenant_id: str, vendor: str, sealed: SealedSecret) -> SealedSecret:
    """Wrap the data key of ``sealed`` again under the active master key.

    The payload must authenticate first, so a corrupt record is reported instead of carried
    forward; its nonce and ciphertext are kept as they are.
    """
    data_key = _unwrap(keyring, tenant_id, vendor, sealed)
    _decrypt(data_key, tenant_id, vendor, sealed)
    master = keyring.active
    return msgspec.structs.replace(
        sealed,
        master_key_version=master.version,
        wrapped_data_key=_wrap(master, data_key, tenant_id, vendor),
    )


def _wrap(master: MasterKey, data_key: bytes, tenant_id: str, vendor: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    ad = _wrap_ad(master.version, tenant_id, vendor)
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, ad)


def _unwrap(keyring: Keyring, tenant_id: str, vendor: str, sealed: SealedSecret) -> bytes:
    try:
        master = keyring.get(sealed.master_key_version)
    except VaultKeyError as exc:
        raise CredentialDecryptError(
            f"credential of tenant {tenant_id!r} for vendor {vendor!r} is wrapped by "
            f"master key version {sealed.master_key_version}, which this keyring lacks"
        ) from exc
    wrapped = sealed.wrapped_data_key
    if len(wrapped) != _WRAPPED_SIZE:
        raise _failed(tenant_id, vendor)
    ad = _wrap_ad(master.version, tenant_id, vendor)
    try:
        return AESGCM(master.key).decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], ad)
    except InvalidTag:
        raise _failed(tenant_id, vendor) from None


def _decrypt(data_key: bytes, tenant_id: str, vendor: str, sealed: SealedSecret) -> bytes:
    ad = _payload_ad(tenant_id, vendor)
    try:
        return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, ad)
    except (InvalidTag, ValueError):
        raise _failed(tenant_id, vendor) from None


def _failed(tenant_id: str, vendor: str) -> CredentialDecryptError:
    return CredentialDecryptError(
        f"credential of tenant {tenant_id!r} for vendor {vendor!r} failed to authenticate: "
        "it was tampered with or belongs to another tenant or vendor"
    )


def _wrap_ad(version: int, tenant_id: str, vendor: str) -> bytes:
    return context_bytes(f"data-key/{version}", tenant_id, vendor)


def _payload_ad(tenant_id: str, vendor: str) -> bytes:
    return context_bytes("payload", tenant_id, vendor)
