"""clients, domains, aliases, learners, outbox, processed_events

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
        "clients",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("industry", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "client_domains",
        sa.Column("domain", sa.Text, primary_key=True),
        sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True),
    )
    op.create_table(
        "client_aliases",
        sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("alias", sa.Text, primary_key=True),
        sa.Column("alias_key", sa.Text, nullable=False, index=True),
    )
    op.create_table(
        "learners",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("organization", sa.Text),
        sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id"), index=True),
        sa.Column("reason", sa.Text),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    for table in ("learners", "client_aliases", "client_domains", "clients"):
        op.drop_table(table)
    drop_messaging_tables()
