"""admins, admin_tokens, audit_log, outbox, processed_events

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from trainyard_common.db.messaging_migration import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "admins",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'viewer')", name="ck_admins_role"),
    )
    op.create_table(
        "admin_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("admin_id", sa.Uuid, sa.ForeignKey("admins.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("correlation_id", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in ("audit_log", "admin_tokens", "admins"):
        op.drop_table(table)
    drop_messaging_tables()
