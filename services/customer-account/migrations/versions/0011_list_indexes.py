"""The admin customer list answered from indexes on 100,000 customers (issue 18, item 4): its
order (newest first), the status, client and group filters, and pg_trgm GIN indexes for the
substring search on e-mail, full name and organisation.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FULL_NAME = "(COALESCE(first_name, '') || ' ' || COALESCE(last_name, ''))"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_customers_created_at_id", "customers", [sa.text("created_at DESC"), "id"])
    op.create_index("ix_customers_status_created_at_id", "customers", ["status", sa.text("created_at DESC"), "id"])
    op.create_index("ix_customers_client_created_at_id", "customers", ["client_id", sa.text("created_at DESC"), "id"])
    op.create_index(
        "ix_customers_email_trgm",
        "customers",
        ["email"],
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_customers_organization_trgm",
        "customers",
        ["organization"],
        postgresql_using="gin",
        postgresql_ops={"organization": "gin_trgm_ops"},
    )
    op.execute(f"CREATE INDEX ix_customers_full_name_trgm ON customers USING gin ({FULL_NAME} gin_trgm_ops)")
    op.create_index("ix_customer_groups_group_customer", "customer_groups", ["group_id", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_groups_group_customer", table_name="customer_groups")
    for name in (
        "ix_customers_full_name_trgm",
        "ix_customers_organization_trgm",
        "ix_customers_email_trgm",
        "ix_customers_client_created_at_id",
        "ix_customers_status_created_at_id",
        "ix_customers_created_at_id",
    ):
        op.drop_index(name, table_name="customers")
