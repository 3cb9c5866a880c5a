"""The customer page's read model: sections, pending reads, tombstones (issue 18, item 1)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_view_sections",
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
        sa.Column("section", sa.Text(), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extras", sa.Text(), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "customer_view_pending",
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
        sa.Column("section", sa.Text(), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_customer_view_pending_due_at", "customer_view_pending", ["due_at"])
    op.create_table(
        "customer_view_tombstones",
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_view_tombstones_at", "customer_view_tombstones", ["at"])


def downgrade() -> None:
    op.drop_index("ix_customer_view_tombstones_at", table_name="customer_view_tombstones")
    op.drop_table("customer_view_tombstones")
    op.drop_index("ix_customer_view_pending_due_at", table_name="customer_view_pending")
    op.drop_table("customer_view_pending")
    op.drop_table("customer_view_sections")
