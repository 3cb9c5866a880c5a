"""customers (projection of UserRegistered), outbox, processed_events

Revision ID: 0001
Revises:
"""

from trainyard_common.db.messaging_migration import create_messaging_tables, drop_messaging_tables
from trainyard_common.projections.migration import create_customer_projection_table, drop_customer_projection_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    create_customer_projection_table()


def downgrade() -> None:
    drop_customer_projection_table()
    drop_messaging_tables()
