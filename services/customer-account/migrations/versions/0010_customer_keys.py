"""customer_keys: each customer's data key, wrapped by a key-encryption key, deleted on erasure
(crypto-shredding); the certificate of erasure records when the key was destroyed and what each
service removed (issue 16, items 1 and 4)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_keys",
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("kek_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_keys_kek_id", "customer_keys", ["kek_id"])
    op.add_column("erasures", sa.Column("key_destroyed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("erasure_receipts", sa.Column("removed", JSONB, nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("erasure_receipts", "removed")
    op.drop_column("erasures", "key_destroyed_at")
    op.drop_index("ix_customer_keys_kek_id", table_name="customer_keys")
    op.drop_table("customer_keys")
