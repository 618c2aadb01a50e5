"""Migrations of the system of record, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from policies.sql import Database, SchemaMismatch, check_schema, database_url, upgrade
from policies.sql.migrate import current_revision, downgrade, head_revision
from policies.sql.schema import metadata


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(_url(database_url, tmp_path))
    yield db
    await db.close()


def _url(raw: str, data_dir: Path) -> str:
    return database_url(raw, data_dir)


async def tables(database: Database) -> set[str]:
    async with database.begin() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_an_empty_database_is_refused_with_the_command_to_run(database: Database) -> None:
    with pytest.raises(SchemaMismatch, match="gateway db upgrade"):
        await check_schema(database)


async def test_upgrade_from_empty_creates_every_table_of_the_schema(database: Database) -> None:
    await upgrade(database)

    assert await current_revision(database) == head_revision()
    assert await tables(database) == set(metadata.tables)
    await check_schema(database)


async def test_the_latest_migration_round_trips(database: Database) -> None:
    await upgrade(database)
    async with database.begin() as connection:
        await connection.execute(
            text("INSERT INTO records (key, value, expires_at) VALUES ('k', :v, 1)"),
            {"v": b"x"},
        )

    await downgrade(database, "-1")
    assert await current_revision(database) != head_revision()
    assert await tables(database) < set(metadata.tables)
    await upgrade(database)

    assert await tables(database) == set(metadata.tables)
    await check_schema(database)


async def test_the_migrations_build_exactly_the_schema_the_code_declares(
    database: Database,
) -> None:
    await upgrade(database)

    async with database.begin() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )

    assert differences == []


async def test_every_migration_downgrades_to_an_empty_database(database: Database) -> None:
    await upgrade(database)

    await downgrade(database, "base")

    assert await tables(database) == set()


async def test_a_schema_newer_than_the_gateway_is_refused(database: Database) -> None:
    await upgrade(database)
    async with database.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(SchemaMismatch, match="does not know"):
        await check_schema(database)
