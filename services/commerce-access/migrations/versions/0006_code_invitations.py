"""registration code invitations: the purchaser's pending invitation of someone, by e-mail, to
one code (issue 17, item 3); one per code, replaced by a new invitation

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
    op.create_table(
        "code_invitations",
        sa.Column("code", sa.Text, sa.ForeignKey("registration_codes.code", ondelete="CASCADE"), primary_key=True),
        sa.Column("invitee_email", sa.Text, nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by", sa.Uuid, nullable=False, index=True),
        sa.Column("impersonated_by", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("code_invitations")
