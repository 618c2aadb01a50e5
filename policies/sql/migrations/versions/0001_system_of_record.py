"""The system of record: tenants, keys, credentials, records, idempotency, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_api_keys_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_table(
        "credentials",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "vendor", name="pk_credentials"),
    )
    op.create_table(
        "records",
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(64),
            comment="whose record it is (erasing a tenant purges it)",
        ),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.Double, nullable=False),
        sa.Column("owner", sa.String(128), comment="the holder, when the record is a lock"),
        sa.PrimaryKeyConstraint("key", name="pk_records"),
    )
    op.create_index("ix_records_expires_at", "records", ["expires_at"])
    op.create_index("ix_records_tenant_id", "records", ["tenant_id"])
    op.create_table(
        "idempotency",
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("state", sa.String(16), nullable=False, comment="pending (claimed) or done"),
        sa.Column("response", sa.LargeBinary),
        sa.Column("expires_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency"),
    )
    op.create_index("ix_idempotency_tenant_id", "idempotency", ["tenant_id"])
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            nullable=False,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_kind", sa.String(16), nullable=False, comment="operator, tenant or system"
        ),
        sa.Column("actor_key_id", sa.String(64)),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256)),
        sa.Column("request_id", sa.String(128)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_tenant_id", "audit_log", ["tenant_id", "id"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("idempotency")
    op.drop_table("records")
    op.drop_table("credentials")
    op.drop_table("api_keys")
    op.drop_table("tenants")
