"""impersonated_by: the admin who made a learner's change while impersonating them (revision 0005, after 0004)

On progress (the entry's latest change, the roll-up included), quiz submissions and SCORM CMI
data; null when the learner acted themselves, for admin entries and imports (issue 15, item 9).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("progress", "quiz_submissions", "cmi_data")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("impersonated_by", sa.Text, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "impersonated_by")
