"""Versioned master keys that wrap the vault's data keys.

The keyring is parsed from a spec such as ``"1:<base64>,2:<base64>"`` (the value of
``GATEWAY_VAULT_KEYS``, read by the caller). The highest version wraps new data keys; older
versions stay readable, so replicas can run with both keys while records are re-wrapped.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from policies.vault.errors import KeyringSpecError, VaultKeyError

KEY_SIZE = 32
_VERSION = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True, repr=False)
class MasterKey:
    """One AES-256 master key and its version; its repr never shows the key."""

    version: int
    key: bytes

    def __post_init__(self) -> None:
        if self.version < 1:
            raise ValueError("master key version must be a positive integer")
        if len(self.key) != KEY_SIZE:
            raise ValueError(f"master key version {self.version} must be {KEY_SIZE} bytes")

    def __repr__(self) -> str:
        return f"MasterKey(version={self.version}, key=<redacted>)"


class Keyring:
    """The master keys a replica holds; the highest version is active for wrapping."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Iterable[MasterKey]) -> None:
        by_version: dict[int, MasterKey] = {}
        for master in keys:
            if master.version in by_version:
                raise KeyringSpecError(f"duplicate master key version {master.version}")
            by_version[master.version] = master
        if not by_version:
            raise KeyringSpecError("a keyring needs at least one master key")
        self._keys = by_version

    @classmethod
    def from_spec(cls, spec: str) -> Keyring:
        """Parse ``"<version>:<base64 key>"`` entries separated by commas.

        Keys are 32 bytes in standard or URL-safe base64, padded or not. Errors say which
        entry is wrong and why, never what it contains.
        """
        if not spec.strip():
            raise KeyringSpecError("vault key spec is empty; expected '<version>:<base64 key>,...'")
        keys: list[MasterKey] = []
        entry_of_version: dict[int, int] = {}
        for position, entry in enumerate(spec.split(","), start=1):
            master = _parse_entry(position, entry)
            if master.version in entry_of_version:
                first = entry_of_version[master.version]
                raise KeyringSpecError(
                    f"vault key spec entry {position}: duplicate version {master.version} "
                    f"(already given by entry {first})"
                )
            entry_of_version[master.version] = position
            keys.append(master)
        return cls(keys)

    @property
    def active(self) -> MasterKey:
        """The key that wraps new data keys: the highest version."""
        return self._keys[max(self._keys)]

    @property
    def versions(self) -> tuple[int, ...]:
        """Every version held, ascending."""
        return tuple(sorted(self._keys))

    def get(self, version: int) -> MasterKey:
        """The key of ``version``; raises :class:`VaultKeyError` if this keyring lacks it."""
        try:
            return self._keys[version]
        except KeyError:
            held = ", ".join(str(v) for v in self.versions)
            raise VaultKeyError(
                f"master key version {version} is not in the keyring (holds {held})"
            ) from None

    def __repr__(self) -> str:
        return f"Keyring(versions={self.versions}, active={self.active.version})"

    def to_spec(self) -> str:
        """The spec string this keyring parses from (it holds key material: handle as secret)."""
        return ",".join(
            f"{v}:{base64.urlsafe_b64encode(self.get(v).key).decode('ascii').rstrip('=')}"
            for v in self.versions
        )


def generate_key_spec(version: int = 1) -> str:
    """A fresh random spec entry ``"<version>:<urlsafe base64 key>"``."""
    if version < 1:
        raise ValueError("master key version must be a positive integer")
    return Keyring([MasterKey(version, secrets.token_bytes(KEY_SIZE))]).to_spec()


def _parse_entry(position: int, entry: str) -> MasterKey:
    where = f"vault key spec entry {position}"
    entry = entry.strip()
    if not entry:
        raise KeyringSpecError(f"{where} is empty")
    version_text, colon, key_text = entry.partition(":")
    if not colon:
        raise KeyringSpecError(f"{where}: expected '<version>:<base64 key>'")
    version_text = version_text.strip()
    if not _VERSION.fullmatch(version_text) or int(version_text) < 1:
        raise KeyringSpecError(f"{where}: version must be a positive integer")
    version = int(version_text)
    try:
        key = _decode_base64(key_text.strip())
    except ValueError:
        raise KeyringSpecError(f"{where} (version {version}): key is not valid base64") from None
    if len(key) != KEY_SIZE:
        raise KeyringSpecError(
            f"{where} (version {version}): key must decode to {KEY_SIZE} bytes, got {len(key)}"
        )
    return MasterKey(version, key)


def _decode_base64(text: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding."""
    unpadded = text.replace("-", "+").replace("_", "/").rstrip("=")
    return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
