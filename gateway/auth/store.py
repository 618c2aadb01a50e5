"""Tenants and gateway keys: the storage interface and its embedded SQLite backend."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import msgspec

from gateway.auth.keys import Scope


class Tenant(msgspec.Struct, frozen=True, kw_only=True):
    """A consumer organization; every stored object belongs to exactly one."""

    id: str
    name: str
    created_at: datetime


class ApiKeyRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway key as stored: never the key itself, only its hash."""

    id: str
    tenant_id: str | None
    """``None`` for an operator key, which spans every tenant."""
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    key_hash: str = msgspec.field(default="")

    def __repr__(self) -> str:
        return f"ApiKeyRecord(id={self.id!r}, tenant_id={self.tenant_id!r}, name={self.name!r})"


class TenantStore(Protocol):
    """Where tenants and gateway keys live (SQLite embedded; Redis when scaled out)."""

    async def create_tenant(self, tenant: Tenant) -> None: ...
    async def get_tenant(self, tenant_id: str) -> Tenant | None: ...
    async def list_tenants(self) -> list[Tenant]: ...
    async def add_key(self, record: ApiKeyRecord) -> None: ...
    async def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]: ...
    async def find_active_key(self, key_hash: str) -> ApiKeyRecord | None: ...
    async def revoke_key(self, tenant_id: str, key_id: str, when: datetime) -> bool: ...
    async def has_operator_key(self) -> bool: ...
    async def revoke_operator_keys(self, when: datetime) -> int: ...
    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys(tenant_id);
"""

_KEY_COLUMNS = "id, tenant_id, name, prefix, scopes, key_hash, created_at, revoked_at"


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _key_from_row(row: sqlite3.Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=tuple(Scope(s) for s in row["scopes"].split()),
        key_hash=row["key_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=_dt(row["revoked_at"]),
    )


class SQLiteTenantStore:
    """Tenants and keys in one SQLite file; safe for several worker processes (WAL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    async def create_tenant(self, tenant: Tenant) -> None:
        """Insert a tenant (ids are random, so no collision handling is needed)."""
        self._run(
            "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)",
            (tenant.id, tenant.name, _ts(tenant.created_at)),
        )

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """One tenant, or ``None``."""
        row = self._run("SELECT * FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
        if row is None:
            return None
        return Tenant(
            id=row["id"], name=row["name"], created_at=datetime.fromisoformat(row["created_at"])
        )

    async def list_tenants(self) -> list[Tenant]:
        """Every tenant, oldest first."""
        rows = self._run("SELECT * FROM tenants ORDER BY created_at, id").fetchall()
        return [
            Tenant(id=r["id"], name=r["name"], created_at=datetime.fromisoformat(r["created_at"]))
            for r in rows
        ]

    async def add_key(self, record: ApiKeyRecord) -> None:
        """Store a key's hash and metadata."""
        self._run(
            f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                record.id,
                record.tenant_id,
                record.name,
                record.prefix,
                " ".join(s.value for s in record.scopes),
                record.key_hash,
                _ts(record.created_at),
                _ts(record.revoked_at),
            ),
        )

    async def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """A tenant's keys (active and revoked), oldest first."""
        rows = self._run(
            f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? "  # noqa: S608
            "ORDER BY created_at, id",
            (tenant_id,),
        ).fetchall()
        return [_key_from_row(r) for r in rows]

    async def find_active_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The unrevoked key with this hash, if any."""
        row = self._run(
            f"SELECT {_KEY_COLUMNS} FROM api_keys "  # noqa: S608
            "WHERE key_hash = ? AND revoked_at IS NULL",
            (key_hash,),
        ).fetchone()
        return _key_from_row(row) if row else None

    async def revoke_key(self, tenant_id: str, key_id: str, when: datetime) -> bool:
        """Revoke one of the tenant's keys (idempotent); ``False`` when it has no such key."""
        cursor = self._run(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) "
            "WHERE id = ? AND tenant_id = ?",
            (_ts(when), key_id, tenant_id),
        )
        return cursor.rowcount == 1

    async def has_operator_key(self) -> bool:
        """Whether an operator (all-tenant) key exists."""
        row = self._run(
            "SELECT 1 FROM api_keys WHERE tenant_id IS NULL AND revoked_at IS NULL LIMIT 1"
        ).fetchone()
        return row is not None

    async def revoke_operator_keys(self, when: datetime) -> int:
        """Revoke every stored operator key; return how many were active."""
        cursor = self._run(
            "UPDATE api_keys SET revoked_at = ? WHERE tenant_id IS NULL AND revoked_at IS NULL",
            (_ts(when),),
        )
        return cursor.rowcount

    async def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
