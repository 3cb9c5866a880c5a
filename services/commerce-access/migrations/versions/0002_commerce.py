"""products, prices, orders, access, registration codes, import failures, deleted customers

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(12, 2)


def _product_copy() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("product_name", sa.Text, nullable=False),
        sa.Column("training_item_type", sa.Text),
        sa.Column("training_item_id", sa.Uuid),
    ]


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("training_item_type", sa.Text),
        sa.Column("training_item_id", sa.Uuid),
        sa.Column("access_days", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "prices",
        sa.Column("price_id", sa.Uuid, primary_key=True),
        sa.Column("product_id", sa.Uuid, sa.ForeignKey("products.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        *_product_copy(),
        sa.Column("price_id", sa.Uuid, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("access_days", sa.Integer),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_idempotency_key"),
    )
    op.create_table(
        "access",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        *_product_copy(),
        sa.Column("order_id", sa.Uuid, nullable=False, index=True),
        sa.Column("registration_code", sa.Text),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, index=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoke_reason", sa.Text),
        sa.Column("expiry_noticed_for", sa.Date),
    )
    op.create_table(
        "registration_codes",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, index=True),
        sa.Column("purchaser_id", sa.Uuid, nullable=False, index=True),
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "code_redemptions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.Text, sa.ForeignKey("registration_codes.code", ondelete="CASCADE"), nullable=False),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("access_id", sa.Uuid, nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_code_redemptions_live",
        "code_redemptions",
        ["code"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "import_failures",
        sa.Column("import_id", sa.Uuid, primary_key=True),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("price_id", sa.Uuid),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deleted_customers",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "deleted_customers",
        "import_failures",
        "code_redemptions",
        "registration_codes",
        "access",
        "orders",
        "prices",
        "products",
    ):
        op.drop_table(table)
