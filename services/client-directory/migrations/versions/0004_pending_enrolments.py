"""enrolments remember the class's default client in force when they were made (revision 0004)

An enrolment of a learner whose registration has not reached client-directory yet is kept as
*pending*; the class's default client is applied when the learner arrives, as it was at the
enrolment.

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
    op.add_column("enrollments", sa.Column("default_client_id", sa.Uuid, sa.ForeignKey("clients.id")))


def downgrade() -> None:
    op.drop_column("enrollments", "default_client_id")
