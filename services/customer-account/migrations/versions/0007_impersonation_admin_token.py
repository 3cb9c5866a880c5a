"""sessions: the admin token an impersonation was started with (issue 15, item 9): the gateway
honours an impersonation session only while that admin token is live

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
    op.add_column("sessions", sa.Column("admin_token_hash", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("sessions", "admin_token_hash")
