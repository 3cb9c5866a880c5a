"""customer_keys without its foreign key and its kek_id index: the cheaper key row of every
registration (issue 16's ≤ 10 %)

Every new customer gets a key row in the registration's own transaction. PostgreSQL spent ~26 µs
on each such row, ~12 µs without the foreign key's per-row check and ~8 µs without the kek_id
index as well (a scratch table of 100,000 rows, one INSERT … SELECT each, psql's timing).
Neither earned its cost:

* the foreign key only cascaded a customer's deletion to the key, and the one place that deletes
  a customer (``erasure.apply_deletion_decision``) destroys the key itself in the same
  transaction, the customer's row locked; a key is only created for a customer locked and seen
  (``customer_keys.customer_key``) or inserted in the same transaction;
* the index served no query: the rotation asks for ``kek_id <> current``, which a b-tree
  cannot answer, and nothing else reads by KEK.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("customer_keys_customer_id_fkey", "customer_keys", type_="foreignkey")
    op.drop_index("ix_customer_keys_kek_id", table_name="customer_keys")


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM customer_keys k WHERE NOT EXISTS (SELECT FROM customers c WHERE c.id = k.customer_id)")
    )
    op.create_index("ix_customer_keys_kek_id", "customer_keys", ["kek_id"])
    op.create_foreign_key(
        "customer_keys_customer_id_fkey", "customer_keys", "customers", ["customer_id"], ["id"], ondelete="CASCADE"
    )
