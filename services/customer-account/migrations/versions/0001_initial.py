"""customers, outbox, processed_events

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
        "customers",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("organization", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customers")
    drop_messaging_tables()
