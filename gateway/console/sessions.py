"""Console sessions, kept server-side: the browser holds a random token, the database its hash.

A session remembers which key signed in (by the key's hash, which the key table holds too) so
every page can ask the authenticator whether that key still works: revoking the key, disabling
its tenant or changing the operator key ends the session at once. The token itself is never
stored, logged or rendered; it travels only in the HttpOnly cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from policies.clock import SYSTEM_CLOCK, Clock
from policies.sql import Database
from policies.sql.schema import console_sessions

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ConsoleSession:
    """One signed-in browser."""

    token_hash: str
    key_hash: str
    """Of the key signed in with; checked again on every request."""
    key_id: str
    tenant_id: str | None
    csrf_token: str
    """Sent back with every state-changing request (form field or ``X-CSRF-Token``)."""
    expires_at: float
    """Epoch seconds."""

    def __repr__(self) -> str:
        return f"ConsoleSession(key_id={self.key_id!r}, tenant_id={self.tenant_id!r})"


class ConsoleSessions:
    """Sessions in the system of record, each lasting ``lifetime_seconds`` from sign-in."""

    def __init__(
        self, database: Database, lifetime_seconds: float, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._db = database
        self._lifetime = lifetime_seconds
        self._clock = clock

    async def open(
        self, key_hash: str, key_id: str, tenant_id: str | None
    ) -> tuple[str, ConsoleSession]:
        """A new session for the key with ``key_hash``; its token (for the cookie, nowhere else)
        and the session. Expired sessions are swept on the way."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock.time()
        session = ConsoleSession(
            token_hash=token_hash(token),
            key_hash=key_hash,
            key_id=key_id,
            tenant_id=tenant_id,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            expires_at=now + self._lifetime,
        )
        async with self._db.begin() as connection:
            await connection.execute(
                delete(console_sessions).where(console_sessions.c.expires_at <= now)
            )
            await connection.execute(
                insert(console_sessions).values(
                    token_hash=session.token_hash,
                    key_hash=session.key_hash,
                    key_id=session.key_id,
                    tenant_id=session.tenant_id,
                    csrf_token=session.csrf_token,
                    created_at=datetime.fromtimestamp(now, UTC),
                    expires_at=session.expires_at,
                )
            )
        return token, session

    async def find(self, token: str) -> ConsoleSession | None:
        """The live session this token opens, or ``None`` (unknown, signed out or expired)."""
        statement = select(console_sessions).where(
            console_sessions.c.token_hash == token_hash(token),
            console_sessions.c.expires_at > self._clock.time(),
        )
        async with self._db.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        if row is None:
            return None
        return ConsoleSession(
            token_hash=row["token_hash"],
            key_hash=row["key_hash"],
            key_id=row["key_id"],
            tenant_id=row["tenant_id"],
            csrf_token=row["csrf_token"],
            expires_at=float(row["expires_at"]),
        )

    async def close(self, token: str) -> None:
        """Delete the session (sign-out); nothing happens for an unknown token."""
        async with self._db.begin() as connection:
            await connection.execute(
                delete(console_sessions).where(console_sessions.c.token_hash == token_hash(token))
            )
