"""The tables of the system of record (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Times that the gateway compares (expiries) are epoch seconds; times it shows are stored as
timezone-aware timestamps. Secrets are never stored in clear: ``credentials.sealed`` is the
vault's envelope. Alembic migrations under ``migrations/`` create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE")),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("key_hash", String(128), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True), comment="to the minute, per replica"),
    Index("ix_api_keys_tenant_id", "tenant_id"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("vendor", String(64), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("labels", Text, nullable=False, default="{}"),
)

credential_budgets = Table(
    "credential_budgets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("vendor", String(64), primary_key=True),
    Column("budget", String(64), primary_key=True, comment="the budget's name in the declaration"),
    Column("request_limit", Integer, nullable=False),
    Column("period_seconds", Double, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(
        ["tenant_id", "vendor"],
        ["credentials.tenant_id", "credentials.vendor"],
        ondelete="CASCADE",
    ),
)
"""An operator's override of a vendor budget for one stored credential (deleted with it)."""

records = Table(
    "records",
    metadata,
    Column("key", String(512), primary_key=True),
    Column("tenant_id", String(64), comment="whose record it is (erasing a tenant purges it)"),
    Column("value", LargeBinary, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("owner", String(128), comment="the holder, when the record is a lock"),
    Index("ix_records_expires_at", "expires_at"),
    Index("ix_records_tenant_id", "tenant_id"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(512), primary_key=True),
    Column("tenant_id", String(64)),
    Column("fingerprint", String(128), nullable=False),
    Column("owner", String(128)),
    Column("state", String(16), nullable=False, comment="pending (claimed) or done"),
    Column("response", LargeBinary),
    Column("expires_at", Double, nullable=False),
    Index("ix_idempotency_tenant_id", "tenant_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_kind", String(16), nullable=False, comment="operator, tenant or system"),
    Column("actor_key_id", String(64)),
    Column("tenant_id", String(64)),
    Column("action", String(64), nullable=False),
    Column("target", String(256)),
    Column("request_id", String(128)),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text),
    Index("ix_audit_log_tenant_id", "tenant_id", "id"),
    Index("ix_audit_log_action", "action"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("vendor", String(64), primary_key=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("sealed_token", LargeBinary, nullable=False, comment="the vault's envelope"),
    Column("sealed_signing_secret", LargeBinary, comment="the vault's envelope, when it signs"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True)),
)

inbound_webhooks = Table(
    "inbound_webhooks",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("vendor", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("headers", Text, nullable=False, comment="the vendor's own headers, as JSON"),
    Column("body", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False, comment="pending, done or malformed"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", Double, comment="epoch seconds: read again after (a lease)"),
    Column("error", Text),
    Index("ix_inbound_webhooks_state", "state", "id"),
    Index("ix_inbound_webhooks_tenant_id", "tenant_id"),
    Index("ix_inbound_webhooks_received_at", "received_at"),
)

events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", String(64), nullable=False, unique=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("vendor", String(64)),
    Column("subject", String(256)),
    Column("identity", String(512), nullable=False, comment="the vendor's identity of the event"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("tenant_id", "vendor", "identity", name="uq_events_identity"),
    Index("ix_events_tenant_id", "tenant_id", "seq"),
    Index("ix_events_created_at", "created_at"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False, comment="endpoint, or call (a call's webhook_url)"),
    Column("url", String(2048), nullable=False),
    Column("types", Text, nullable=False, comment="event type filters, as JSON"),
    Column("subject", String(256), comment="only events about this object (a call's)"),
    Column("description", String(500)),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", String(200)),
    Column("sealed_secret", LargeBinary, comment="the vault's envelope; null: the tenant's"),
    Column("sealed_previous_secret", LargeBinary, comment="still signing until previous_until"),
    Column("previous_until", Double, comment="epoch seconds"),
    Column("failing_since", Double, comment="epoch seconds of the first failure in a row"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_subscriptions_tenant_id", "tenant_id", "kind"),
)

call_webhook_secrets = Table(
    "call_webhook_secrets",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("sealed_secret", LargeBinary, nullable=False, comment="the vault's envelope"),
    Column("sealed_previous_secret", LargeBinary, comment="still signing until previous_until"),
    Column("previous_until", Double, comment="epoch seconds"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column(
        "subscription_id",
        String(64),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", String(64), nullable=False),
    Column("state", String(16), nullable=False, comment="pending, delivered, failed or canceled"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Double, nullable=False, comment="epoch seconds"),
    Column("claimed_until", Double, comment="epoch seconds: a replica is sending it (a lease)"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_webhook_deliveries_state", "state", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription_id", "subscription_id"),
    Index("ix_webhook_deliveries_event_id", "event_id"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "delivery_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "subscription_id",
        String(64),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("tenant_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Double, nullable=False),
    Column("response_head", Text),
    Column("error", Text),
    Index("ix_delivery_attempts_subscription_id", "subscription_id", "id"),
    Index("ix_delivery_attempts_delivery_id", "delivery_id"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="SHA-256 of the cookie's token"),
    Column("key_hash", String(128), nullable=False, comment="the key signed in with, rechecked"),
    Column("key_id", String(64), nullable=False),
    Column("tenant_id", String(64), ForeignKey("tenants.id", ondelete="CASCADE")),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", Double, nullable=False, comment="epoch seconds"),
    Index("ix_console_sessions_expires_at", "expires_at"),
)
