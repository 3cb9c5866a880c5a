"""orders and code redemptions: the admin who made them while impersonating the customer
(issue 15, item 9); null when the customer acted themselves

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
    op.add_column("orders", sa.Column("impersonated_by", sa.Text(), nullable=True))
    op.add_column("code_redemptions", sa.Column("impersonated_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("code_redemptions", "impersonated_by")
    op.drop_column("orders", "impersonated_by")
