"""Connecting to the system of record: one async engine, SQLite or PostgreSQL by URL.

``GATEWAY_DATABASE_URL`` takes the usual ``postgresql://user:pass@host/db`` (the asyncpg driver
is chosen here); without it the embedded mode uses ``sqlite`` in the data directory (aiosqlite,
write-ahead log, foreign keys on). Connection failures surface as :class:`DatabaseUnavailable`,
which the HTTP edge answers with 503 and ``Retry-After``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

EMBEDDED_DATABASE = "gateway.sqlite3"


class DatabaseUnavailable(Exception):
    """The database could not be reached or did not answer; nothing was written."""


def database_url(configured: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL: ``configured`` with the async driver named, or the embedded file."""
    if configured is None:
        return f"sqlite+aiosqlite:///{data_dir / EMBEDDED_DATABASE}"
    url = make_url(configured)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    return url.render_as_string(hide_password=False)


class Database:
    """The process's engine on the system of record."""

    def __init__(self, url: str, *, pool_size: int = 10, connect_timeout: float = 5.0) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.url = url
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.dialect == "postgresql":
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={"timeout": connect_timeout, "command_timeout": connect_timeout},
            )
        else:
            if parsed.database:
                _private_file(Path(parsed.database))
            kwargs["connect_args"] = {"timeout": connect_timeout}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    @property
    def shared(self) -> bool:
        """Whether several processes (replicas) may use this database."""
        return self.dialect != "sqlite"

    def describe(self) -> str:
        """The database without its password, for logs and the start-up summary."""
        return make_url(self.url).render_as_string(hide_password=True)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed on success (503 when unreachable)."""
        try:
            async with self.engine.begin() as connection:
                yield connection
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            if isinstance(exc, DBAPIError) and not _is_connectivity(exc):
                raise
            raise DatabaseUnavailable(f"the database is unavailable: {type(exc).__name__}") from exc

    async def ping(self) -> None:
        """One round trip (``DatabaseUnavailable`` when it fails)."""
        async with self.begin() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _private_file(path: Path) -> None:
    """The embedded database file, readable by this user only (it holds sealed credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")
"""The server is shutting down (administrator or crash) or cannot accept connections yet."""


def _is_connectivity(exc: DBAPIError) -> bool:
    """Whether the database could not be reached, as opposed to refusing a statement: the
    driver's own error is looked for through the adapter's wrapping (SQLAlchemy's asyncpg
    adapter raises its own ``Error`` with the driver's exception as its cause)."""
    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        name = type(cause).__name__
        sqlstate = str(getattr(cause, "sqlstate", "") or "")
        if "Connection" in name or "CannotConnect" in name:
            return True
        if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
            return True
        cause = cause.__cause__
    return False


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
