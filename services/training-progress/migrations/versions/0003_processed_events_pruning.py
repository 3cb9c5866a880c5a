"""processed_events: an index on processed_at, for the pruning job

Revision ID: 0003
Revises: 0002
"""

from trainyard_common.db.messaging_migration import create_processed_at_index, drop_processed_at_index

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_processed_at_index()


def downgrade() -> None:
    drop_processed_at_index()
