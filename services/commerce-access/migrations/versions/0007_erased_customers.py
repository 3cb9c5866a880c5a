"""erased_customers: the customer projection's tombstones (issue 16, item 2) — the ids of erased
and deleted customers, kept forever, so that a late or replayed registration writes nothing back

Revision ID: 0007
Revises: 0006
"""

from trainyard_common.projections.migration import create_erased_customers_table, drop_erased_customers_table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_erased_customers_table()


def downgrade() -> None:
    drop_erased_customers_table()
