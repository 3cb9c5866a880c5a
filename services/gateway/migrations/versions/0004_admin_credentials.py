"""admins: disable/enable (``active``) and when the password last changed; audit_log: an index
to count one username's recent sign-in attempts (issue 15, items 1 and 5)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("admins", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("admins", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_audit_log_action_actor_at", "audit_log", ["action", "actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_actor_at", table_name="audit_log")
    op.drop_column("admins", "password_changed_at")
    op.drop_column("admins", "active")
