"""Console sessions: the web console's signed-in browsers, each known only by its token's hash;
and when each gateway key was last used (the console shows it).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column(
            "token_hash", sa.String(64), nullable=False, comment="SHA-256 of the cookie's token"
        ),
        sa.Column(
            "key_hash",
            sa.String(128),
            nullable=False,
            comment="the key signed in with, rechecked",
        ),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.Double, nullable=False, comment="epoch seconds"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_console_sessions"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_console_sessions_tenant_id_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_console_sessions_expires_at", "console_sessions", ["expires_at"])
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column(
                "last_used_at", sa.DateTime(timezone=True), comment="to the minute, per replica"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
    op.drop_table("console_sessions")
