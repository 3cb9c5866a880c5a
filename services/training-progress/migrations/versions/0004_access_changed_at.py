"""access: changed_at, when commerce-access set the row's state (revision 0004, after 0003)

Access events travel on four topics; the projection keeps the latest of one row's events by
this time (null for rows stored before: the next event about them applies). The learner's own
progress now depends on these rows (issue 15, item 7).

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
    op.add_column("access", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("access", "changed_at")
