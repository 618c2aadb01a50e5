"""Events: vendor webhook endpoints, raw deliveries, and the event log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary, nullable=False, comment="the vault's envelope"),
        sa.Column(
            "sealed_signing_secret",
            sa.LargeBinary,
            comment="the vault's envelope, when it signs",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("tenant_id", "vendor", name="pk_webhook_endpoints"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_webhook_endpoints_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token_hash", name="uq_webhook_endpoints_token_hash"),
    )
    op.create_table(
        "inbound_webhooks",
        sa.Column("id", SERIAL, nullable=False, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("headers", sa.Text, nullable=False, comment="the vendor's own headers, as JSON"),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, comment="pending, done or malformed"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_until", sa.Double, comment="epoch seconds: read again after (a lease)"),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_webhooks"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_inbound_webhooks_tenant_id_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_inbound_webhooks_state", "inbound_webhooks", ["state", "id"])
    op.create_index("ix_inbound_webhooks_tenant_id", "inbound_webhooks", ["tenant_id"])
    op.create_index("ix_inbound_webhooks_received_at", "inbound_webhooks", ["received_at"])
    op.create_table(
        "events",
        sa.Column("seq", SERIAL, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64)),
        sa.Column("subject", sa.String(256)),
        sa.Column(
            "identity",
            sa.String(512),
            nullable=False,
            comment="the vendor's identity of the event",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_events_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("id", name="uq_events_id"),
        sa.UniqueConstraint("tenant_id", "vendor", "identity", name="uq_events_identity"),
    )
    op.create_index("ix_events_tenant_id", "events", ["tenant_id", "seq"])
    op.create_index("ix_events_created_at", "events", ["created_at"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("inbound_webhooks")
    op.drop_table("webhook_endpoints")
