"""Where vendors send a tenant's webhooks: one unguessable URL per tenant and vendor.

The URL's token (192 random bits) is the address and, for vendors that sign nothing, the proof
that a delivery is the vendor's. It is looked up by its SHA-256 and kept sealed by the vault, so
the URL can be shown again to whoever administers the tenant (to register it at the vendor) and
put on the calls the gateway places. A vendor that signs deliveries also gets the tenant's
signing secret, sealed the same way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import RowMapping, delete, select, update

from contract.errors import NotFound
from policies.records.sql_store import upsert_statement
from policies.sql import Database
from policies.sql.schema import webhook_endpoints
from policies.vault import ResealCount, Vault, by_tenant, reseal_column

TOKEN_PREFIX = "whk_"  # noqa: S105 (a prefix, not a secret)
TOKEN_PURPOSE = "webhook-endpoint#token"  # noqa: S105 (a vault purpose label)
SECRET_PURPOSE = "webhook-endpoint#signing-secret"  # noqa: S105 (a vault purpose label)


class WebhookEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant's inbound webhook URL for one vendor (register it at the vendor)."""

    vendor: str
    url: str | None
    """``None`` only when the vault can no longer open its token (rotate it)."""
    signed: bool
    """Whether deliveries must carry the vendor's signature made with the stored secret."""
    created_at: datetime
    rotated_at: datetime | None = None


class WebhookEndpointSettings(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """What an administrator sets on an endpoint."""

    signing_secret: str | None = msgspec.field(default=None)
    """The webhook secret configured at the vendor, for vendors that sign; null: unsigned."""


class WebhookEndpointList(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant's endpoints."""

    data: list[WebhookEndpoint]


@dataclass(frozen=True)
class Resolved:
    """The tenant a delivery's token belongs to, and the secret to check its signature with."""

    tenant_id: str
    vendor: str
    signing_secret: str | None


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class WebhookEndpoints:
    """Creates, rotates, shows and resolves inbound webhook URLs."""

    def __init__(self, database: Database, vault: Vault) -> None:
        self._database = database
        self._vault = vault

    async def configure(
        self, tenant_id: str, vendor: str, signing_secret: str | None, public_url: str
    ) -> WebhookEndpoint:
        """Create the endpoint (a new token) or change its signing secret (same URL)."""
        sealed_secret = (
            None
            if signing_secret is None
            else self._vault.seal_value(tenant_id, SECRET_PURPOSE, signing_secret.encode())
        )
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        statement = (
            upsert_statement(self._database, webhook_endpoints)
            .values(
                tenant_id=tenant_id,
                vendor=vendor,
                token_hash=token_digest(token),
                sealed_token=self._vault.seal_value(tenant_id, TOKEN_PURPOSE, token.encode()),
                sealed_signing_secret=sealed_secret,
                created_at=now,
            )
            .on_conflict_do_update(
                index_elements=["tenant_id", "vendor"],
                set_={"sealed_signing_secret": sealed_secret},
            )
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)
        return await self.get(tenant_id, vendor, public_url)

    async def rotate(self, tenant_id: str, vendor: str, public_url: str) -> WebhookEndpoint:
        """A new token: the old URL stops working at once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        statement = (
            update(webhook_endpoints)
            .where(webhook_endpoints.c.tenant_id == tenant_id, webhook_endpoints.c.vendor == vendor)
            .values(
                token_hash=token_digest(token),
                sealed_token=self._vault.seal_value(tenant_id, TOKEN_PURPOSE, token.encode()),
                rotated_at=datetime.now(UTC),
            )
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        if not result.rowcount:
            raise NotFound(f"no {vendor} webhook endpoint for this tenant")
        return await self.get(tenant_id, vendor, public_url)

    async def delete(self, tenant_id: str, vendor: str) -> None:
        """Remove the endpoint: its URL answers 404 from now on."""
        statement = delete(webhook_endpoints).where(
            webhook_endpoints.c.tenant_id == tenant_id, webhook_endpoints.c.vendor == vendor
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        if not result.rowcount:
            raise NotFound(f"no {vendor} webhook endpoint for this tenant")

    async def get(self, tenant_id: str, vendor: str, public_url: str) -> WebhookEndpoint:
        """The tenant's endpoint for ``vendor`` (404 when there is none)."""
        found = await self.find(tenant_id, vendor, public_url)
        if found is None:
            raise NotFound(f"no {vendor} webhook endpoint for this tenant")
        return found

    async def find(self, tenant_id: str, vendor: str, public_url: str) -> WebhookEndpoint | None:
        """The tenant's endpoint for ``vendor``, if configured."""
        query = select(webhook_endpoints).where(
            webhook_endpoints.c.tenant_id == tenant_id, webhook_endpoints.c.vendor == vendor
        )
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else self._endpoint(row, public_url)

    async def list(self, tenant_id: str, public_url: str) -> list[WebhookEndpoint]:
        """Every endpoint of the tenant, by vendor."""
        query = (
            select(webhook_endpoints)
            .where(webhook_endpoints.c.tenant_id == tenant_id)
            .order_by(webhook_endpoints.c.vendor)
        )
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [self._endpoint(row, public_url) for row in rows]

    async def resolve(self, vendor: str, token: str) -> Resolved | None:
        """The tenant whose ``vendor`` endpoint has ``token`` (``None``: no such URL)."""
        query = select(webhook_endpoints).where(
            webhook_endpoints.c.token_hash == token_digest(token),
            webhook_endpoints.c.vendor == vendor,
        )
        async with self._database.begin() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        tenant_id = str(row["tenant_id"])
        secret = None
        if row["sealed_signing_secret"] is not None:
            opened = self._vault.open_value(
                tenant_id, SECRET_PURPOSE, bytes(row["sealed_signing_secret"])
            )
            secret = "" if opened is None else opened.decode()
        return Resolved(tenant_id=tenant_id, vendor=vendor, signing_secret=secret)

    def _endpoint(self, row: RowMapping, public_url: str) -> WebhookEndpoint:
        tenant_id, vendor = str(row["tenant_id"]), str(row["vendor"])
        token = self._vault.open_value(tenant_id, TOKEN_PURPOSE, bytes(row["sealed_token"]))
        created, rotated = row["created_at"], row["rotated_at"]
        assert isinstance(created, datetime)
        return WebhookEndpoint(
            vendor=vendor,
            url=None if token is None else inbound_url(public_url, vendor, token.decode()),
            signed=row["sealed_signing_secret"] is not None,
            created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            rotated_at=(
                None
                if not isinstance(rotated, datetime)
                else rotated
                if rotated.tzinfo
                else rotated.replace(tzinfo=UTC)
            ),
        )


async def reseal_endpoints(database: Database, vault: Vault) -> dict[str, ResealCount]:
    """Seal every endpoint's token and signing secret under the active master key (a step of
    ``gateway vault rotate``): with the old key dropped, an unopened token loses its URL."""
    counts = {}
    for column, purpose in (
        ("sealed_token", TOKEN_PURPOSE),
        ("sealed_signing_secret", SECRET_PURPOSE),
    ):
        counts[f"webhook_endpoints.{column}"] = await reseal_column(
            database,
            webhook_endpoints,
            column,
            by_tenant(vault.reseal, purpose),
        )
    return counts


def inbound_url(public_url: str, vendor: str, token: str) -> str:
    """The URL a vendor delivers ``vendor`` webhooks to."""
    return f"{public_url.rstrip('/')}/v1/webhooks/{vendor}/{token}"
