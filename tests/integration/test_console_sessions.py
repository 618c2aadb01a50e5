"""Console sessions in the system of record, on SQLite and PostgreSQL: a token opens its session
until it expires or is signed out, and only its hash is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.console.sessions import ConsoleSessions, token_hash
from policies.clock import FakeClock
from policies.sql import Database
from policies.sql.schema import console_sessions
from tests.databases import migrated

LIFETIME = 600.0


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    db = await migrated(database_url, tmp_path)
    yield db
    await db.close()


async def test_a_session_lasts_its_lifetime_then_is_refused(database: Database) -> None:
    clock = FakeClock()
    sessions = ConsoleSessions(database, LIFETIME, clock)
    token, opened = await sessions.open("hash-of-key", "key_1", None)

    found = await sessions.find(token)
    clock.advance(LIFETIME - 1)
    still = await sessions.find(token)
    clock.advance(1)
    expired = await sessions.find(token)

    assert found == opened and still == opened
    assert expired is None
    assert opened.token_hash == token_hash(token) != token
    assert opened.csrf_token not in (token, opened.token_hash)


async def test_signing_out_ends_only_that_session(database: Database) -> None:
    sessions = ConsoleSessions(database, LIFETIME, FakeClock())
    first, _ = await sessions.open("hash-of-key", "key_1", None)
    second, _ = await sessions.open("hash-of-key", "key_1", None)

    await sessions.close(first)

    assert await sessions.find(first) is None
    assert await sessions.find(second) is not None
    assert await sessions.find("a token never issued") is None


async def test_expired_sessions_are_swept_when_another_opens(database: Database) -> None:
    clock = FakeClock()
    sessions = ConsoleSessions(database, LIFETIME, clock)
    old, _ = await sessions.open("hash-of-key", "key_1", None)
    clock.advance(LIFETIME)
    _, fresh = await sessions.open("hash-of-key", "key_1", None)

    async with database.begin() as connection:
        stored = (await connection.execute(select(console_sessions.c.token_hash))).scalars().all()
    assert stored == [fresh.token_hash]
    assert await sessions.find(old) is None
