"""Per-credential budgets: an operator's override of a vendor's default rate budget.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_budgets",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column(
            "budget", sa.String(64), nullable=False, comment="the budget's name in the declaration"
        ),
        sa.Column("request_limit", sa.Integer, nullable=False),
        sa.Column("period_seconds", sa.Double, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "vendor", "budget", name="pk_credential_budgets"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "vendor"],
            ["credentials.tenant_id", "credentials.vendor"],
            name="fk_credential_budgets_tenant_id_credentials",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("credential_budgets")
