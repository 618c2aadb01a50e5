"""The audit log: every administrative action, who did it, to what, and how it ended.

Entries live in the system of record and are never changed or deleted by any route (erasing a
tenant keeps them). They name actors by key id, never by key, and carry no secret: ``detail``
holds only facts an administrator may read (a key's name and scopes, a credential's fingerprint).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import msgspec
from sqlalchemy import RowMapping, insert, select

from contract.errors import GatewayError
from gateway.auth.principal import Principal
from gateway.request_context import current_request_id
from gateway.row_cursor import decode_row_cursor, encode_row_cursor
from policies.sql import Database
from policies.sql.schema import audit_log


class AuditAction(StrEnum):
    """What was done."""

    TENANT_CREATED = "tenant.created"
    TENANT_DISABLED = "tenant.disabled"
    TENANT_ENABLED = "tenant.enabled"
    TENANT_ERASED = "tenant.erased"
    KEY_MINTED = "key.minted"
    KEY_REVOKED = "key.revoked"
    CREDENTIAL_STORED = "credential.stored"
    """Stored without the vendor's word (not asked, or not reachable), or refused as malformed."""
    CREDENTIAL_VERIFIED = "credential.verified"
    """Stored after the vendor accepted it."""
    CREDENTIAL_REJECTED = "credential.rejected"
    """Refused by the vendor, so not stored."""
    CREDENTIAL_DELETED = "credential.deleted"
    CREDENTIAL_ROTATED = "credential.rotated"
    CREDENTIAL_BUDGET_SET = "credential.budget_set"
    """An operator set a credential's own limit for one of its vendor's budgets."""
    CREDENTIAL_BUDGET_RESET = "credential.budget_reset"
    """A credential's budget went back to the vendor's default."""
    MASTER_KEY_ROTATED = "vault.master_key_rotated"
    CONSOLE_SIGNED_IN = "console.signed_in"
    """A web console session opened with the actor's key (``detail.client``: the address)."""
    CONSOLE_SIGNED_OUT = "console.signed_out"


CREDENTIAL_CHANGES = (
    AuditAction.CREDENTIAL_STORED,
    AuditAction.CREDENTIAL_VERIFIED,
    AuditAction.CREDENTIAL_ROTATED,
)
"""The actions that put a new credential in the vault."""


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One administrative action."""

    id: str
    at: datetime
    actor_kind: str
    """``operator``, ``tenant`` (a tenant admin key) or ``system`` (the command line)."""
    actor_key_id: str | None = None
    tenant_id: str | None = None
    action: AuditAction
    target: str | None = None
    request_id: str | None = None
    outcome: str
    """``ok``, or ``failed`` with the problem type in ``detail``."""
    detail: dict[str, str] = msgspec.field(default_factory=dict)


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    """Audit entries, newest first; pass ``next_cursor`` back as ``cursor``."""

    data: list[AuditEntry]
    next_cursor: str | None = None


@dataclass
class AuditNote:
    """What an action block learns while it runs: what it turned out to be (a credential stored
    after its vendor accepted it is ``credential.verified``), its target, and facts worth
    keeping."""

    action: AuditAction
    target: str | None
    detail: dict[str, str]


class AuditLog:
    """Writes and reads the audit log."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(
        self,
        actor: Principal | None,
        action: AuditAction,
        *,
        tenant_id: str | None,
        target: str | None = None,
        outcome: str = "ok",
        detail: Mapping[str, str] | None = None,
    ) -> None:
        """Append one entry (``actor`` None: the command line, acting as the system)."""
        async with self._database.begin() as connection:
            await connection.execute(
                insert(audit_log).values(
                    at=datetime.now(UTC),
                    actor_kind=_actor_kind(actor),
                    actor_key_id=actor.key_id if actor else None,
                    tenant_id=tenant_id,
                    action=action.value,
                    target=target,
                    request_id=current_request_id() if actor else None,
                    outcome=outcome,
                    detail=msgspec.json.encode(dict(detail or {})).decode(),
                )
            )

    @asynccontextmanager
    async def action(
        self,
        actor: Principal | None,
        action: AuditAction,
        *,
        tenant_id: str | None,
        target: str | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> AsyncIterator[AuditNote]:
        """Record ``action`` when the block ends: ``ok``, or ``failed`` with the problem type
        if it raised a gateway error (a refused permission included). One request leaves one
        entry: the block may say what the action turned out to be, name the target once it
        exists and add non-secret facts to the yielded note."""
        note = AuditNote(action=action, target=target, detail=dict(detail or {}))
        try:
            yield note
        except GatewayError as exc:
            note.detail["problem"] = exc.slug
            await self.record(
                actor,
                note.action,
                tenant_id=tenant_id,
                target=note.target,
                outcome="failed",
                detail=note.detail,
            )
            raise
        await self.record(
            actor, note.action, tenant_id=tenant_id, target=note.target, detail=note.detail
        )

    async def last_credential_change(self, tenant_id: str, vendor: str) -> AuditEntry | None:
        """The latest credential of ``vendor`` the tenant stored or rotated, as logged."""
        query = (
            select(audit_log)
            .where(
                audit_log.c.tenant_id == tenant_id,
                audit_log.c.target == vendor,
                audit_log.c.action.in_([action.value for action in CREDENTIAL_CHANGES]),
                audit_log.c.outcome == "ok",
            )
            .order_by(audit_log.c.id.desc())
            .limit(1)
        )
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _entry(row)

    async def page(
        self,
        *,
        tenant_id: str | None,
        action: AuditAction | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> AuditPage:
        """Entries newest first (``tenant_id`` None: every tenant's, for an operator)."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
        if tenant_id is not None:
            query = query.where(audit_log.c.tenant_id == tenant_id)
        if action is not None:
            query = query.where(audit_log.c.action == action.value)
        if since is not None:
            query = query.where(audit_log.c.at >= _utc(since))
        if until is not None:
            query = query.where(audit_log.c.at < _utc(until))
        if cursor is not None:
            query = query.where(audit_log.c.id < decode_row_cursor("audit", cursor))
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        entries = [_entry(row) for row in rows[:limit]]
        more = len(rows) > limit
        return AuditPage(
            data=entries,
            next_cursor=encode_row_cursor("audit", int(rows[limit - 1]["id"])) if more else None,
        )


def _utc(moment: datetime) -> datetime:
    """In UTC, as every entry is stored (SQLite compares times as text)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _actor_kind(actor: Principal | None) -> str:
    if actor is None:
        return "system"
    return "operator" if actor.is_operator else "tenant"


def _entry(row: RowMapping) -> AuditEntry:
    at = row["at"]
    assert isinstance(at, datetime)
    detail = row["detail"]
    return AuditEntry(
        id=str(row["id"]),
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        actor_kind=str(row["actor_kind"]),
        actor_key_id=_text(row["actor_key_id"]),
        tenant_id=_text(row["tenant_id"]),
        action=AuditAction(str(row["action"])),
        target=_text(row["target"]),
        request_id=_text(row["request_id"]),
        outcome=str(row["outcome"]),
        detail=msgspec.json.decode(str(detail), type=dict[str, str]) if detail else {},
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
