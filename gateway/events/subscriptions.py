"""Subscriptions in the system of record: the tenant's receivers and their signing secrets.

Two kinds share one table. An ``endpoint`` is what ``/v1/subscriptions`` manages, with its own
secret. A ``call`` subscription is made for a call placed with a ``webhook_url``: it receives
that call's ``call.*`` events only, signed with the tenant's call-webhook secret, and is not
listed with the endpoints. Secrets are sealed by the vault; a rotated one keeps signing, beside
the new one, until its overlap ends.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import ColumnElement, RowMapping, Table, delete, select, update

from contract.errors import Conflict, FieldError, NotFound, ValidationFailed
from contract.events import CALL_EVENTS
from contract.subscriptions import (
    SigningSecret,
    Subscription,
    SubscriptionCreate,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from gateway.events.log import parse_type_filters
from gateway.events.outbound import UnsafeDestination, WebhookSender
from gateway.events.signing import new_secret
from policies.records.sql_store import upsert_statement
from policies.sql import Database
from policies.sql.schema import call_webhook_secrets, subscriptions
from policies.vault import ResealCount, Vault, by_tenant, reseal_column

ENDPOINT, CALL = "endpoint", "call"
SECRET_PURPOSE = "subscription#signing-secret"  # noqa: S105 (a vault purpose label)
CALL_SECRET_PURPOSE = "call-webhooks#signing-secret"  # noqa: S105 (a vault purpose label)
CALL_TYPES = sorted(str(t) for t in CALL_EVENTS)


@dataclass(frozen=True)
class Receiver:
    """Where one subscription's deliveries go and what signs them (for the delivery worker)."""

    id: str
    tenant_id: str
    url: str
    enabled: bool
    signing_secrets: tuple[str, ...]
    """The current secret first, then the previous one while its overlap lasts."""
    failing_since: float | None


class Subscriptions:
    """Creates, changes, lists and removes subscriptions, and keeps their secrets."""

    def __init__(
        self, database: Database, vault: Vault, sender: WebhookSender, overlap_seconds: float
    ) -> None:
        self._database = database
        self._vault = vault
        self._sender = sender
        self._overlap = overlap_seconds

    async def create(self, tenant_id: str, spec: SubscriptionCreate) -> SubscriptionWithSecret:
        """A new subscription; its secret is in the answer, and only there."""
        self._check_url(spec.url)
        types = parse_type_filters(spec.types, "body.types")
        secret = new_secret()
        now = datetime.now(UTC)
        values = {
            "id": "sub_" + secrets.token_urlsafe(16),
            "tenant_id": tenant_id,
            "kind": ENDPOINT,
            "url": spec.url,
            "types": msgspec.json.encode(list(types)).decode(),
            "description": spec.description,
            "enabled": spec.enabled,
            "sealed_secret": self._vault.seal_value(tenant_id, SECRET_PURPOSE, secret.encode()),
            "created_at": now,
            "updated_at": now,
        }
        async with self._database.begin() as connection:
            await connection.execute(subscriptions.insert().values(**values))
        made = await self.get(tenant_id, str(values["id"]))
        return SubscriptionWithSecret(**msgspec.structs.asdict(made), secret=secret)

    async def get(self, tenant_id: str, subscription_id: str) -> Subscription:
        """One of the tenant's subscriptions (404 otherwise)."""
        return _public(await self._row(tenant_id, subscription_id))

    async def list(self, tenant_id: str) -> list[Subscription]:
        """The tenant's subscriptions, newest first."""
        query = (
            select(subscriptions)
            .where(subscriptions.c.tenant_id == tenant_id, subscriptions.c.kind == ENDPOINT)
            .order_by(subscriptions.c.created_at.desc(), subscriptions.c.id)
        )
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_public(row) for row in rows]

    async def update(
        self, tenant_id: str, subscription_id: str, change: SubscriptionUpdate
    ) -> Subscription:
        """Apply ``change``; enabling a disabled subscription forgets why it was disabled."""
        await self._row(tenant_id, subscription_id)
        values: dict[str, object] = {"updated_at": datetime.now(UTC)}
        if change.url is not None:
            self._check_url(change.url)
            values["url"] = change.url
        if change.types is not None:
            types = parse_type_filters(change.types, "body.types")
            values["types"] = msgspec.json.encode(list(types)).decode()
        if change.description is not None:
            values["description"] = change.description
        if change.enabled is not None:
            values["enabled"] = change.enabled
            if change.enabled:
                values.update(disabled_reason=None, failing_since=None)
        await self._set(tenant_id, subscription_id, values)
        return await self.get(tenant_id, subscription_id)

    async def delete(self, tenant_id: str, subscription_id: str) -> None:
        """Remove the subscription and its pending deliveries."""
        await self._row(tenant_id, subscription_id)
        statement = delete(subscriptions).where(
            subscriptions.c.tenant_id == tenant_id, subscriptions.c.id == subscription_id
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def rotate_secret(self, tenant_id: str, subscription_id: str) -> SigningSecret:
        """A new secret, shown once; the old one signs too until the overlap ends."""
        row = await self._row(tenant_id, subscription_id)
        return await self._rotate(
            subscriptions,
            row,
            SECRET_PURPOSE,
            (subscriptions.c.tenant_id == tenant_id) & (subscriptions.c.id == subscription_id),
        )

    async def rotate_call_secret(self, tenant_id: str) -> SigningSecret:
        """The tenant's call-webhook secret: made on first use, replaced after (with overlap)."""
        query = select(call_webhook_secrets).where(call_webhook_secrets.c.tenant_id == tenant_id)
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is not None:
            return await self._rotate(
                call_webhook_secrets,
                row,
                CALL_SECRET_PURPOSE,
                call_webhook_secrets.c.tenant_id == tenant_id,
            )
        secret = new_secret()
        statement = (
            upsert_statement(self._database, call_webhook_secrets)
            .values(
                tenant_id=tenant_id,
                sealed_secret=self._vault.seal_value(
                    tenant_id, CALL_SECRET_PURPOSE, secret.encode()
                ),
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        async with self._database.begin() as connection:
            made = await connection.execute(statement)
        if not made.rowcount:
            raise Conflict("the call-webhook secret was just made by another request; rotate it")
        return SigningSecret(secret=secret)

    async def subscribe_call(
        self, tenant_id: str, call_id: str, url: str, types: Sequence[str] = ()
    ) -> str:
        """The call's own subscription (made once per call): its events of ``types`` (every
        ``call.*`` when empty) go to ``url``, signed with the tenant's call-webhook secret."""
        now = datetime.now(UTC)
        digest = hashlib.sha256(f"{tenant_id}\n{call_id}".encode()).hexdigest()[:32]
        subscription_id = "sub_call_" + digest
        statement = (
            upsert_statement(self._database, subscriptions)
            .values(
                id=subscription_id,
                tenant_id=tenant_id,
                kind=CALL,
                url=url,
                types=msgspec.json.encode(list(types) or CALL_TYPES).decode(),
                subject=call_id,
                description=f"webhook_url of call {call_id}",
                enabled=True,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)
        return subscription_id

    async def require_call_secret(self, tenant_id: str) -> None:
        """409 unless the tenant has a call-webhook secret to sign a call's deliveries with."""
        query = select(call_webhook_secrets.c.tenant_id).where(
            call_webhook_secrets.c.tenant_id == tenant_id
        )
        async with self._database.begin() as connection:
            found = (await connection.execute(query)).first()
        if found is None:
            raise Conflict(
                "a call's webhook_url receives events signed with the tenant's call-webhook "
                "secret: create it first with POST /v1/call-webhooks/rotate-secret"
            )

    async def receiver(self, subscription_id: str) -> Receiver | None:
        """Where ``subscription_id``'s deliveries go (``None``: it was deleted)."""
        query = select(subscriptions).where(subscriptions.c.id == subscription_id)
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
            secret_row = row
            if row is not None and row["kind"] == CALL:
                secret_query = select(call_webhook_secrets).where(
                    call_webhook_secrets.c.tenant_id == row["tenant_id"]
                )
                secret_row = (await connection.execute(secret_query)).mappings().first()
        if row is None:
            return None
        tenant_id = str(row["tenant_id"])
        purpose = CALL_SECRET_PURPOSE if row["kind"] == CALL else SECRET_PURPOSE
        return Receiver(
            id=subscription_id,
            tenant_id=tenant_id,
            url=str(row["url"]),
            enabled=bool(row["enabled"]),
            signing_secrets=self._secrets(tenant_id, purpose, secret_row),
            failing_since=row["failing_since"],
        )

    async def mark_failing(self, subscription_id: str, since: float | None) -> None:
        """Remember when the subscription's current run of failures began (``None``: ended)."""
        statement = (
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(failing_since=since)
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def disable(self, subscription_id: str, reason: str) -> Subscription | None:
        """Disable the subscription for ``reason``; it, if this call disabled it."""
        statement = (
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id, subscriptions.c.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason, updated_at=datetime.now(UTC))
        )
        query = select(subscriptions).where(subscriptions.c.id == subscription_id)
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
            row = (await connection.execute(query)).mappings().first()
        return None if not result.rowcount or row is None else _public(row)

    def _secrets(self, tenant_id: str, purpose: str, row: RowMapping | None) -> tuple[str, ...]:
        if row is None or row["sealed_secret"] is None:
            return ()
        found = []
        for column in ("sealed_secret", "sealed_previous_secret"):
            if column == "sealed_previous_secret" and (row["previous_until"] or 0) < time.time():
                continue
            if row[column] is not None:
                opened = self._vault.open_value(tenant_id, purpose, bytes(row[column]))
                if opened is not None:
                    found.append(opened.decode())
        return tuple(found)

    async def _rotate(
        self, table: Table, row: RowMapping, purpose: str, where: ColumnElement[bool]
    ) -> SigningSecret:
        tenant_id = str(row["tenant_id"])
        secret = new_secret()
        until = time.time() + self._overlap
        statement = (
            update(table)
            .where(where)
            .values(
                sealed_secret=self._vault.seal_value(tenant_id, purpose, secret.encode()),
                sealed_previous_secret=row["sealed_secret"],
                previous_until=until,
            )
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)
        return SigningSecret(
            secret=secret,
            previous_valid_until=datetime.fromtimestamp(until, UTC) if self._overlap else None,
        )

    async def _row(self, tenant_id: str, subscription_id: str) -> RowMapping:
        query = select(subscriptions).where(
            subscriptions.c.tenant_id == tenant_id,
            subscriptions.c.id == subscription_id,
            subscriptions.c.kind == ENDPOINT,
        )
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFound(f"no subscription with id '{subscription_id}'")
        return row

    async def _set(self, tenant_id: str, subscription_id: str, values: dict[str, object]) -> None:
        statement = (
            update(subscriptions)
            .where(subscriptions.c.tenant_id == tenant_id, subscriptions.c.id == subscription_id)
            .values(**values)
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    def _check_url(self, url: str) -> None:
        try:
            self._sender.check(url)
        except UnsafeDestination as exc:
            raise ValidationFailed(
                "the gateway may not deliver to this URL",
                errors=[FieldError(field="body.url", message=str(exc))],
            ) from None


async def reseal_secrets(database: Database, vault: Vault) -> dict[str, ResealCount]:
    """Seal every subscription's and call-webhook secret, current and previous, under the
    active master key (a step of ``gateway vault rotate``): with the old key dropped, an
    unopened secret signs nothing."""
    counts = {}
    for table, purpose in (
        (subscriptions, SECRET_PURPOSE),
        (call_webhook_secrets, CALL_SECRET_PURPOSE),
    ):
        for column in ("sealed_secret", "sealed_previous_secret"):
            counts[f"{table.name}.{column}"] = await reseal_column(
                database,
                table,
                column,
                by_tenant(vault.reseal, purpose),
            )
    return counts


def _public(row: RowMapping) -> Subscription:
    return Subscription(
        id=str(row["id"]),
        url=str(row["url"]),
        types=msgspec.json.decode(str(row["types"]), type=list[str]),
        description=row["description"],
        enabled=bool(row["enabled"]),
        disabled_reason=row["disabled_reason"],
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
    )


def _aware(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
