"""each enrolment remembers the client the student had in that class (revision 0005)

Set at enrolment (the learner's client once the class's default applied), when a pending
student arrives, and by the class page's client assignments/removals; the report per class
counts each enrolment for it. Existing enrolments take the learner's current client.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enrollments", sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id")))
    op.execute(
        "UPDATE enrollments SET client_id = learners.client_id FROM learners"
        " WHERE learners.customer_id = enrollments.customer_id"
    )


def downgrade() -> None:
    op.drop_column("enrollments", "client_id")
