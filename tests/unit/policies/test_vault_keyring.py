"""The master keyring: spec parsing, versions, and keeping key material out of messages."""

from __future__ import annotations

import base64
import traceback

import pytest

from policies.vault import (
    Keyring,
    KeyringSpecError,
    MasterKey,
    VaultError,
    VaultKeyError,
    generate_key_spec,
)

KEY_1 = bytes(range(32))
KEY_2 = bytes([0xFB, 0xFF] * 16)  # its base64 uses both '+' and '/' (or '-' and '_')


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def urlsafe_unpadded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def rendered(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc)


def test_parses_versions_and_activates_the_highest() -> None:
    keyring = Keyring.from_spec(f"2:{b64(KEY_2)},1:{b64(KEY_1)}")

    assert keyring.versions == (1, 2)
    assert keyring.active.version == 2
    assert keyring.active.key == KEY_2
    assert keyring.get(1).key == KEY_1


@pytest.mark.parametrize(
    "encoded",
    [b64(KEY_2), b64(KEY_2).rstrip("="), urlsafe_unpadded(KEY_2), urlsafe_unpadded(KEY_2) + "="],
    ids=["standard", "standard-unpadded", "urlsafe-unpadded", "urlsafe-padded"],
)
def test_accepts_both_base64_alphabets_with_or_without_padding(encoded: str) -> None:
    assert "+" in b64(KEY_2) and "/" in b64(KEY_2)

    assert Keyring.from_spec(f"7:{encoded}").get(7).key == KEY_2


def test_whitespace_around_entries_is_ignored() -> None:
    keyring = Keyring.from_spec(f"  1:{b64(KEY_1)} ,\n 2 : {b64(KEY_2)}\n")

    assert [keyring.get(v).key for v in keyring.versions] == [KEY_1, KEY_2]


def test_missing_version_raises_a_key_error_naming_it() -> None:
    keyring = Keyring.from_spec(f"1:{b64(KEY_1)}")

    with pytest.raises(VaultKeyError, match="version 3 is not in the keyring") as info:
        keyring.get(3)
    assert isinstance(info.value, VaultError)


SPEC_ERRORS = [
    ("", "empty", []),
    ("  \n", "empty", []),
    (f"1:{b64(KEY_1)},", "entry 2 is empty", [b64(KEY_1)]),
    (b64(KEY_1), "entry 1: expected '<version>:<base64 key>'", [b64(KEY_1)]),
    (f"one:{b64(KEY_1)}", "entry 1: version must be a positive integer", [b64(KEY_1)]),
    (f"0:{b64(KEY_1)}", "entry 1: version must be a positive integer", [b64(KEY_1)]),
    (f"-1:{b64(KEY_1)}", "entry 1: version must be a positive integer", [b64(KEY_1)]),
    ("1:not*base64!", "entry 1 (version 1): key is not valid base64", ["not*base64!"]),
    (f"1:{b64(KEY_1[:16])}", "key must decode to 32 bytes, got 16", [b64(KEY_1[:16])]),
    (
        f"1:{b64(KEY_1)}, 1:{b64(KEY_2)}",
        "entry 2: duplicate version 1 (already given by entry 1)",
        [b64(KEY_1), b64(KEY_2)],
    ),
]


@pytest.mark.parametrize(("spec", "message", "material"), SPEC_ERRORS)
def test_invalid_specs_fail_clearly_without_key_material(
    spec: str, message: str, material: list[str]
) -> None:
    with pytest.raises(KeyringSpecError) as info:
        Keyring.from_spec(spec)

    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    text = rendered(info.value)
    for secret in material:
        assert secret not in text
        assert secret.rstrip("=")[:12] not in text


def test_a_keyring_needs_keys_with_distinct_versions() -> None:
    with pytest.raises(KeyringSpecError, match="at least one"):
        Keyring([])
    with pytest.raises(KeyringSpecError, match="duplicate master key version 1"):
        Keyring([MasterKey(1, KEY_1), MasterKey(1, KEY_2)])


def test_master_key_rejects_wrong_length_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="must be 32 bytes") as info:
        MasterKey(1, KEY_1[:31])

    assert KEY_1[:31].hex() not in rendered(info.value)
    assert repr(KEY_1[:31]) not in rendered(info.value)


def test_reprs_hide_key_material() -> None:
    keyring = Keyring.from_spec(f"1:{b64(KEY_1)},2:{urlsafe_unpadded(KEY_2)}")

    shown = repr(keyring.active) + str(keyring.active) + repr(keyring) + str(keyring)

    assert shown.startswith("MasterKey(version=2, key=<redacted>)")
    assert "Keyring(versions=(1, 2), active=2)" in shown
    for key in (KEY_1, KEY_2):
        for form in (repr(key), key.hex(), b64(key), urlsafe_unpadded(key)):
            assert form not in shown


def test_generated_spec_entries_are_fresh_urlsafe_32_byte_keys() -> None:
    first, second = generate_key_spec(), generate_key_spec(4)

    assert first.startswith("1:") and second.startswith("4:")
    assert not set(first[2:] + second[2:]) & set("+/=")
    keyring = Keyring.from_spec(f"{first},{second}")
    assert keyring.versions == (1, 4)
    assert keyring.get(1).key != keyring.get(4).key
    with pytest.raises(ValueError, match="positive integer"):
        generate_key_spec(0)
