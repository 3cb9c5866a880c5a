"""sign_in_locks: who took an account's lock (an automatic lock lifts after a cool-down, an
admin's stays)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Accounts locked before this revision have no record: they count as an admin's lock (kept).
    op.create_table(
        "sign_in_locks",
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("locked_at", TZ, nullable=False),
        sa.Column("locked_by_kind", sa.Text, nullable=False),
        sa.Column("locked_by", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("sign_in_locks")
