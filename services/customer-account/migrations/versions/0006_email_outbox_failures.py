"""email_outbox: sends that failed for the message's own sake, and when it was given up (issue
15, item 13): a message that cannot be sent no longer comes back forever, it is kept as failed

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("email_outbox", sa.Column("send_failures", sa.Integer(), server_default="0", nullable=False))
    op.add_column("email_outbox", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("email_outbox", "failed_at")
    op.drop_column("email_outbox", "send_failures")
