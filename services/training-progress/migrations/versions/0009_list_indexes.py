"""The admin training-progress list answered from indexes on 1,000,000 rows (issue 18, item 4):
one tab (item type), optionally one status, most recently changed first; the partner filter
through ``learner_clients`` and the learners' entries by tab and status. The name filter goes
through the catalogue and ``ix_progress_item_id``; the user filter (a substring of the e-mail or
the full name) through pg_trgm GIN indexes on this service's customer projection.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_customers_email_trgm",
        "customers",
        ["email"],
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.execute(
        "CREATE INDEX ix_customers_full_name_trgm ON customers USING gin (((first_name || ' ') || last_name) gin_trgm_ops)"
    )
    op.create_index("ix_progress_type_updated_id", "progress", ["item_type", sa.text("updated_at DESC"), "id"])
    op.create_index(
        "ix_progress_type_status_updated_id", "progress", ["item_type", "status", sa.text("updated_at DESC"), "id"]
    )
    op.create_index("ix_progress_customer_type_status", "progress", ["customer_id", "item_type", "status"])


def downgrade() -> None:
    op.drop_index("ix_customers_full_name_trgm", table_name="customers")
    op.drop_index("ix_customers_email_trgm", table_name="customers")
    op.drop_index("ix_progress_customer_type_status", table_name="progress")
    op.drop_index("ix_progress_type_status_updated_id", table_name="progress")
    op.drop_index("ix_progress_type_updated_id", table_name="progress")
