"""Storage of sealed credentials: the backend protocol and its embedded SQLite implementation."""

from __future__ import annotations

import enum
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import msgspec

from policies.vault.envelope import SealedSecret


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET = _Unset.UNSET
"""Marks a write as unconditional."""

ExpectedFingerprint: TypeAlias = str | _Unset | None
"""The condition of a write: ``UNSET`` (none), ``None`` (absent) or the current fingerprint."""


class StoredCredential(msgspec.Struct, frozen=True, kw_only=True):
    """One tenant's sealed credential for one vendor, with its non-secret metadata."""

    tenant_id: str
    vendor: str
    sealed: SealedSecret
    fingerprint: str
    created_at: datetime
    rotated_at: datetime | None
    updated_at: datetime
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    """Non-secret metadata, such as the vendor's id of the key."""


class VaultBackend(Protocol):
    """Where sealed credentials live; every conditional write is atomic."""

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record of ``(tenant_id, vendor)``, if any."""
        ...

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Store ``record`` if the condition holds; False when it does not."""
        ...

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a record; False when there was none."""
        ...

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """A tenant's records, sorted by vendor."""
        ...

    def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record; writes made while iterating do not break the iteration."""
        ...

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Swap the sealed secret only if it is still ``old``; False when it is not."""
        ...

    async def close(self) -> None:
        """Release the backend's resources."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    tenant_id TEXT NOT NULL,
    vendor TEXT NOT NULL,
    master_key_version INTEGER NOT NULL,
    wrapped_data_key BLOB NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    rotated_at TEXT,
    updated_at TEXT NOT NULL,
    labels TEXT NOT NULL,
    PRIMARY KEY (tenant_id, vendor)
) WITHOUT ROWID
"""
_SELECT = """
SELECT tenant_id, vendor, master_key_version, wrapped_data_key, nonce, ciphertext,
       fingerprint, created_at, rotated_at, updated_at, labels
FROM credentials
"""
_INSERT = """
INSERT INTO credentials (tenant_id, vendor, master_key_version, wrapped_data_key, nonce,
                         ciphertext, fingerprint, created_at, rotated_at, updated_at, labels)
VALUES (:tenant_id, :vendor, :master_key_version, :wrapped_data_key, :nonce,
        :ciphertext, :fingerprint, :created_at, :rotated_at, :updated_at, :labels)
"""
_ASSIGN = """
master_key_version = :master_key_version, wrapped_data_key = :wrapped_data_key, nonce = :nonce,
ciphertext = :ciphertext, fingerprint = :fingerprint, created_at = :created_at,
rotated_at = :rotated_at, updated_at = :updated_at, labels = :labels
"""
_UPSERT = _INSERT + "ON CONFLICT (tenant_id, vendor) DO UPDATE SET" + _ASSIGN
_INSERT_IF_ABSENT = _INSERT + "ON CONFLICT (tenant_id, vendor) DO NOTHING"
_UPDATE_IF_FINGERPRINT = (
    "UPDATE credentials SET"
    + _ASSIGN
    + "WHERE tenant_id = :tenant_id AND vendor = :vendor AND fingerprint = :expected"
)
_REPLACE_SEALED = """
UPDATE credentials
SET master_key_version = ?, wrapped_data_key = ?, nonce = ?, ciphertext = ?
WHERE tenant_id = ? AND vendor = ?
  AND master_key_version = ? AND wrapped_data_key = ? AND nonce = ? AND ciphertext = ?
"""
_BATCH = 256
_BUSY_TIMEOUT_MS = 5000


class SQLiteVaultBackend:
    """The embedded backend: one SQLite file (WAL), shareable by several processes.

    The directory is created private (0700) and the database file is 0600. Each call is one
    short statement, run synchronously under a lock.
    """

    def __init__(self, path: Path) -> None:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(_SCHEMA)

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record of ``(tenant_id, vendor)``, if any."""
        rows = self._query(_SELECT + "WHERE tenant_id = ? AND vendor = ?", (tenant_id, vendor))
        return _from_row(rows[0]) if rows else None

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Store ``record``: always (``UNSET``), only if absent (``None``), or only over the
        record whose fingerprint is ``expected_fingerprint``."""
        params = _to_params(record)
        if expected_fingerprint is UNSET:
            return self._execute(_UPSERT, params) == 1
        if expected_fingerprint is None:
            return self._execute(_INSERT_IF_ABSENT, params) == 1
        params["expected"] = expected_fingerprint
        return self._execute(_UPDATE_IF_FINGERPRINT, params) == 1

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a record; False when there was none."""
        sql = "DELETE FROM credentials WHERE tenant_id = ? AND vendor = ?"
        return self._execute(sql, (tenant_id, vendor)) == 1

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """A tenant's records, sorted by vendor."""
        rows = self._query(_SELECT + "WHERE tenant_id = ? ORDER BY vendor", (tenant_id,))
        return [_from_row(row) for row in rows]

    async def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record in key order, read in batches so no lock is held between them."""
        rows = self._query(_SELECT + "ORDER BY tenant_id, vendor LIMIT ?", (_BATCH,))
        while rows:
            for row in rows:
                yield _from_row(row)
            last = rows[-1]
            rows = self._query(
                _SELECT + "WHERE (tenant_id, vendor) > (?, ?) ORDER BY tenant_id, vendor LIMIT ?",
                (last[0], last[1], _BATCH),
            )

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Swap the sealed secret only if it is still ``old``; False when it is not."""
        params = (*_sealed_values(new), tenant_id, vendor, *_sealed_values(old))
        return self._execute(_REPLACE_SEALED, params) == 1

    async def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteVaultBackend(path={str(self._path)!r})"

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> int:
        with self._lock:
            return self._db.execute(sql, params).rowcount


def _sealed_values(sealed: SealedSecret) -> tuple[int, bytes, bytes, bytes]:
    return (sealed.master_key_version, sealed.wrapped_data_key, sealed.nonce, sealed.ciphertext)


def _to_params(record: StoredCredential) -> dict[str, Any]:
    return {
        "tenant_id": record.tenant_id,
        "vendor": record.vendor,
        "master_key_version": record.sealed.master_key_version,
        "wrapped_data_key": record.sealed.wrapped_data_key,
        "nonce": record.sealed.nonce,
        "ciphertext": record.sealed.ciphertext,
        "fingerprint": record.fingerprint,
        "created_at": _encode_time(record.created_at),
        "rotated_at": None if record.rotated_at is None else _encode_time(record.rotated_at),
        "updated_at": _encode_time(record.updated_at),
        "labels": msgspec.json.encode(record.labels).decode(),
    }


def _from_row(row: tuple[Any, ...]) -> StoredCredential:
    (tenant_id, vendor, version, wrapped, nonce, ciphertext, fingerprint) = row[:7]
    created_at, rotated_at, updated_at, labels = row[7:]
    return StoredCredential(
        tenant_id=tenant_id,
        vendor=vendor,
        sealed=SealedSecret(
            master_key_version=version, wrapped_data_key=wrapped, nonce=nonce, ciphertext=ciphertext
        ),
        fingerprint=fingerprint,
        created_at=datetime.fromisoformat(created_at),
        rotated_at=None if rotated_at is None else datetime.fromisoformat(rotated_at),
        updated_at=datetime.fromisoformat(updated_at),
        labels=msgspec.json.decode(labels, type=dict[str, str]),
    )


def _encode_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("credential timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat()
