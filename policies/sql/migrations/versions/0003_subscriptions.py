"""Subscriptions and their delivery outbox: who receives which events, and every attempt.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def _subscription_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["subscription_id"],
        ["subscriptions.id"],
        name=f"fk_{table}_subscription_id_subscriptions",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "kind",
            sa.String(16),
            nullable=False,
            comment="endpoint, or call (a call's webhook_url)",
        ),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("types", sa.Text, nullable=False, comment="event type filters, as JSON"),
        sa.Column("subject", sa.String(256), comment="only events about this object (a call's)"),
        sa.Column("description", sa.String(500)),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(200)),
        sa.Column(
            "sealed_secret", sa.LargeBinary, comment="the vault's envelope; null: the tenant's"
        ),
        sa.Column(
            "sealed_previous_secret",
            sa.LargeBinary,
            comment="still signing until previous_until",
        ),
        sa.Column("previous_until", sa.Double, comment="epoch seconds"),
        sa.Column(
            "failing_since", sa.Double, comment="epoch seconds of the first failure in a row"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        _tenant_fk("subscriptions"),
    )
    op.create_index("ix_subscriptions_tenant_id", "subscriptions", ["tenant_id", "kind"])
    op.create_table(
        "call_webhook_secrets",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary, nullable=False, comment="the vault's envelope"),
        sa.Column(
            "sealed_previous_secret",
            sa.LargeBinary,
            comment="still signing until previous_until",
        ),
        sa.Column("previous_until", sa.Double, comment="epoch seconds"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_call_webhook_secrets"),
        _tenant_fk("call_webhook_secrets"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", SERIAL, nullable=False, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column(
            "state",
            sa.String(16),
            nullable=False,
            comment="pending, delivered, failed or canceled",
        ),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Double, nullable=False, comment="epoch seconds"),
        sa.Column(
            "claimed_until",
            sa.Double,
            comment="epoch seconds: a replica is sending it (a lease)",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        _tenant_fk("webhook_deliveries"),
        _subscription_fk("webhook_deliveries"),
    )
    op.create_index(
        "ix_webhook_deliveries_state", "webhook_deliveries", ["state", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"]
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", SERIAL, nullable=False, autoincrement=True),
        sa.Column("delivery_id", SERIAL, nullable=False),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("latency_ms", sa.Double, nullable=False),
        sa.Column("response_head", sa.Text),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name="fk_delivery_attempts_delivery_id_webhook_deliveries",
            ondelete="CASCADE",
        ),
        _subscription_fk("delivery_attempts"),
    )
    op.create_index(
        "ix_delivery_attempts_subscription_id", "delivery_attempts", ["subscription_id", "id"]
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("delivery_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("call_webhook_secrets")
    op.drop_table("subscriptions")
