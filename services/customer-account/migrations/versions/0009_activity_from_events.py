"""activity_from_events: the activity log also lists what other services' events tell (orders,
access, progress, quiz submissions, code redemptions); each such entry names its event, once
(issue 17, item 2)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activity_log", sa.Column("source_event_id", sa.Text, nullable=True))
    op.create_unique_constraint("activity_log_source_event_id_key", "activity_log", ["source_event_id"])


def downgrade() -> None:
    op.drop_constraint("activity_log_source_event_id_key", "activity_log", type_="unique")
    op.drop_column("activity_log", "source_event_id")
