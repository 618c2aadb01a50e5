"""Databases for tests: a migrated system of record on any engine the gateway supports."""

from __future__ import annotations

from pathlib import Path

from policies.sql import Database, database_url, upgrade


async def migrated(url: str | None, data_dir: Path) -> Database:
    """A database at ``url`` (``None``: embedded SQLite under ``data_dir``), migrated to head."""
    database = Database(database_url(url, data_dir))
    await upgrade(database)
    return database


async def migrate(url: str | None, data_dir: Path) -> None:
    """Migrate the database at ``url`` to head and let it go (a process under test opens it)."""
    database = await migrated(url, data_dir)
    await database.close()
