"""In-person modules (items.event_date, items.place; issue 17, item 7) and the Quiz Response Report's
index on quiz_submissions (quiz_id, submitted_at; item 8). Revision 0007, after 0006.

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
    op.add_column("items", sa.Column("event_date", sa.Date))
    op.add_column("items", sa.Column("place", sa.Text))
    op.create_index("ix_quiz_submissions_quiz_submitted", "quiz_submissions", ["quiz_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_quiz_submissions_quiz_submitted", table_name="quiz_submissions")
    op.drop_column("items", "place")
    op.drop_column("items", "event_date")
