"""the deletion saga (a request per customer, outliving the customer row) and the settlement of
import rows' Price IDs

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Pending deletion: the customer may not sign in or buy until commerce-access has decided.
    op.add_column("customers", sa.Column("deletion_requested_at", TZ))
    # No foreign key: the record says "done" after the customer row is gone (no personal data).
    op.create_table(
        "deletion_requests",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("decided_at", TZ),
    )
    # An import's result, kept so that it can be read again once commerce-access has settled the
    # rows with a Price ID (ordered, or refused with a reason).
    op.create_table(
        "customer_imports",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("imported_at", TZ, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("imported_rows", sa.Integer, nullable=False),
        sa.Column("errors", JSONB, nullable=False, server_default="[]"),
        sa.Column("orders_expected", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "import_row_orders",
        sa.Column("import_id", sa.Uuid, primary_key=True),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("price_id", sa.Uuid, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("order_id", sa.Uuid),
        sa.Column("reason", sa.Text),
        sa.Column("settled_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_row_orders")
    op.drop_table("customer_imports")
    op.drop_table("deletion_requests")
    op.drop_column("customers", "deletion_requested_at")
