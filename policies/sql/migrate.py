"""Schema migrations (Alembic) of the system of record, run from code.

``gateway db upgrade`` applies them; the embedded mode and the sandbox apply them at start. A
replica refuses to start against a schema older or newer than the one it was built for
(:class:`SchemaMismatch`, whose message names the command to run).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from policies.sql.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaMismatch(Exception):
    """The database's schema is not the one this gateway knows."""


def alembic_config(database: Database) -> Config:
    """Alembic's configuration for ``database`` (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database"] = database
    return config


def head_revision() -> str:
    """The newest migration this gateway ships."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def current_revision(database: Database) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    async with database.begin() as connection:
        return await connection.run_sync(_current)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    await _run(database, lambda config: command.upgrade(config, revision))


async def downgrade(database: Database, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base``: an empty database)."""
    await _run(database, lambda config: command.downgrade(config, revision))


async def _run(database: Database, step: object) -> None:
    async with database.begin() as connection:
        await connection.run_sync(_with_connection, database, step)


def _with_connection(connection: Connection, database: Database, step: object) -> None:
    config = alembic_config(database)
    config.attributes["connection"] = connection
    assert callable(step)
    step(config)


async def check_schema(database: Database) -> None:
    """Refuse a database whose schema this gateway does not know."""
    current = await current_revision(database)
    head = head_revision()
    if current == head:
        return
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current is None:
        problem = "has no schema yet"
    elif current in known:
        problem = f"is at an older schema ({current}, this gateway needs {head})"
    else:
        problem = f"is at a schema this gateway does not know ({current}; newer gateway?)"
    raise SchemaMismatch(
        f"the database ({database.describe()}) {problem}: run `gateway db upgrade` with this "
        "gateway's version before starting it (migrations first, then new replicas)"
    )
