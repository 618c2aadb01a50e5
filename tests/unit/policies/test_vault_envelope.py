"""Envelope encryption: round trips, tamper detection, binding to tenant and vendor, re-wrap."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from policies.vault import (
    CredentialDecryptError,
    Keyring,
    MasterKey,
    SealedSecret,
    rewrap,
    seal,
    unseal,
)
from policies.vault.envelope import context_bytes

PLAINTEXT = b'{"api_key":"sk_live_TOP-SECRET-0001"}'
KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))


@pytest.fixture
def keyring_v1() -> Keyring:
    return Keyring([MasterKey(1, KEY_1)])


@pytest.fixture
def keyring_v1_v2() -> Keyring:
    return Keyring([MasterKey(1, KEY_1), MasterKey(2, KEY_2)])


def flip_first_bit(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


def test_round_trip(keyring_v1_v2: Keyring) -> None:
    sealed = seal(keyring_v1_v2, "tenant-a", "vendor-x", PLAINTEXT)

    assert sealed.master_key_version == 2
    assert b"TOP-SECRET" not in sealed.ciphertext
    assert unseal(keyring_v1_v2, "tenant-a", "vendor-x", sealed) == PLAINTEXT


def test_each_seal_uses_a_fresh_data_key_and_nonce(keyring_v1: Keyring) -> None:
    first = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)
    second = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)

    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext
    assert first.wrapped_data_key != second.wrapped_data_key


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: msgspec.structs.replace(s, ciphertext=flip_first_bit(s.ciphertext)),
        lambda s: msgspec.structs.replace(s, ciphertext=s.ciphertext[:-1]),
        lambda s: msgspec.structs.replace(s, nonce=flip_first_bit(s.nonce)),
        lambda s: msgspec.structs.replace(s, nonce=s.nonce[:4]),
        lambda s: msgspec.structs.replace(s, wrapped_data_key=flip_first_bit(s.wrapped_data_key)),
        lambda s: msgspec.structs.replace(s, wrapped_data_key=s.wrapped_data_key[::-1]),
        lambda s: msgspec.structs.replace(s, wrapped_data_key=s.wrapped_data_key[:-1]),
        lambda s: msgspec.structs.replace(s, master_key_version=1),
        lambda s: msgspec.structs.replace(s, master_key_version=3),
    ],
    ids=[
        "ciphertext-bit",
        "ciphertext-truncated",
        "nonce-bit",
        "nonce-truncated",
        "wrap-nonce-bit",
        "wrapped-key-reversed",
        "wrapped-key-truncated",
        "other-version",
        "missing-version",
    ],
)
def test_tampering_with_any_field_fails(
    keyring_v1_v2: Keyring, tamper: Callable[[SealedSecret], SealedSecret]
) -> None:
    sealed = seal(keyring_v1_v2, "tenant-a", "vendor-x", PLAINTEXT)

    with pytest.raises(CredentialDecryptError) as info:
        unseal(keyring_v1_v2, "tenant-a", "vendor-x", tamper(sealed))

    assert "tenant-a" in str(info.value)
    assert "TOP-SECRET" not in str(info.value)


def test_version_is_bound_even_if_two_versions_share_a_key() -> None:
    keyring = Keyring([MasterKey(1, KEY_1), MasterKey(2, KEY_1)])
    sealed = seal(keyring, "tenant-a", "vendor-x", PLAINTEXT)
    relabelled = msgspec.structs.replace(sealed, master_key_version=1)

    with pytest.raises(CredentialDecryptError):
        unseal(keyring, "tenant-a", "vendor-x", relabelled)


@pytest.mark.parametrize(
    ("tenant_id", "vendor"),
    [("tenant-b", "vendor-x"), ("tenant-a", "vendor-y"), ("tenant-", "avendor-x")],
    ids=["other-tenant", "other-vendor", "shifted-boundary"],
)
def test_a_record_moved_to_another_tenant_or_vendor_fails(
    keyring_v1: Keyring, tenant_id: str, vendor: str
) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)

    with pytest.raises(CredentialDecryptError, match="another tenant or vendor"):
        unseal(keyring_v1, tenant_id, vendor, sealed)


def test_the_payload_itself_is_bound_to_tenant_and_vendor(keyring_v1: Keyring) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)
    wrap_nonce, wrapped = sealed.wrapped_data_key[:12], sealed.wrapped_data_key[12:]
    data_key = AESGCM(KEY_1).decrypt(
        wrap_nonce, wrapped, context_bytes("data-key/1", "tenant-a", "vendor-x")
    )
    payload = AESGCM(data_key)

    bound = context_bytes("payload", "tenant-a", "vendor-x")
    assert payload.decrypt(sealed.nonce, sealed.ciphertext, bound) == PLAINTEXT
    for other in (None, context_bytes("payload", "tenant-b", "vendor-x")):
        with pytest.raises(InvalidTag):
            payload.decrypt(sealed.nonce, sealed.ciphertext, other)


def test_missing_master_key_version_names_it(keyring_v1: Keyring) -> None:
    sealed = seal(Keyring([MasterKey(5, KEY_2)]), "tenant-a", "vendor-x", PLAINTEXT)

    with pytest.raises(CredentialDecryptError, match="master key version 5"):
        unseal(keyring_v1, "tenant-a", "vendor-x", sealed)


def test_rewrap_moves_the_data_key_to_the_active_master_key(
    keyring_v1: Keyring, keyring_v1_v2: Keyring
) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)

    rewrapped = rewrap(keyring_v1_v2, "tenant-a", "vendor-x", sealed)

    assert rewrapped.master_key_version == 2
    assert (rewrapped.nonce, rewrapped.ciphertext) == (sealed.nonce, sealed.ciphertext)
    assert rewrapped.wrapped_data_key != sealed.wrapped_data_key
    only_v2 = Keyring([MasterKey(2, KEY_2)])
    assert unseal(only_v2, "tenant-a", "vendor-x", rewrapped) == PLAINTEXT
    with pytest.raises(CredentialDecryptError):
        unseal(only_v2, "tenant-a", "vendor-x", sealed)


def test_rewrap_refuses_a_corrupt_payload(keyring_v1: Keyring, keyring_v1_v2: Keyring) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)
    corrupt = msgspec.structs.replace(sealed, ciphertext=flip_first_bit(sealed.ciphertext))

    with pytest.raises(CredentialDecryptError):
        rewrap(keyring_v1_v2, "tenant-a", "vendor-x", corrupt)
    with pytest.raises(CredentialDecryptError):
        rewrap(keyring_v1_v2, "tenant-b", "vendor-x", sealed)


def test_sealed_repr_shows_no_material(keyring_v1: Keyring) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)

    shown = repr(sealed) + str(sealed)

    assert shown.startswith("SealedSecret(master_key_version=1, ciphertext=<")
    for material in (sealed.ciphertext, sealed.wrapped_data_key, sealed.nonce, KEY_1):
        assert repr(material) not in shown
        assert material.hex() not in shown


def test_sealed_secret_survives_serialization(keyring_v1: Keyring) -> None:
    sealed = seal(keyring_v1, "tenant-a", "vendor-x", PLAINTEXT)

    decoded = msgspec.msgpack.decode(msgspec.msgpack.encode(sealed), type=SealedSecret)

    assert unseal(keyring_v1, "tenant-a", "vendor-x", decoded) == PLAINTEXT
