"""commerce-access's own tables. The outbox, processed_events and the customer projection come from
trainyard_common; `ALL_METADATA` is what Alembic compares the migrations against.

Orders and access rows copy the product's name, training item and duration: they record what
was bought then, and a later product change must not rewrite history.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.projections.customers import customer_projection_metadata

metadata = MetaData()

AMOUNT = Numeric(12, 2)

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("training_item_type", Text),
    Column("training_item_id", Uuid),
    Column("access_days", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

prices = Table(
    "prices",
    metadata,
    Column("price_id", Uuid, primary_key=True),
    Column("product_id", Uuid, ForeignKey("products.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("currency", Text, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("source", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False),
    Column("product_id", Uuid, nullable=False),
    Column("product_name", Text, nullable=False),
    Column("training_item_type", Text),
    Column("training_item_id", Uuid),
    Column("price_id", Uuid, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_amount", AMOUNT, nullable=False),
    Column("currency", Text, nullable=False),
    Column("access_days", Integer),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("impersonated_by", Text),  # the admin who placed it while impersonating the customer (0005)
    # A retried request (same key) finds the first order instead of buying twice.
    UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_idempotency_key"),
)

access = Table(
    "access",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("product_id", Uuid, nullable=False),
    Column("product_name", Text, nullable=False),
    Column("training_item_type", Text),
    Column("training_item_id", Uuid),
    Column("order_id", Uuid, nullable=False, index=True),
    Column("registration_code", Text),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, index=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoke_reason", Text),
    Column("expiry_noticed_for", Date),
)

registration_codes = Table(
    "registration_codes",
    metadata,
    Column("code", Text, primary_key=True),
    Column("order_id", Uuid, nullable=False, index=True),
    Column("purchaser_id", Uuid, nullable=False, index=True),
    Column("product_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

code_redemptions = Table(
    "code_redemptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", Text, ForeignKey("registration_codes.code", ondelete="CASCADE"), nullable=False),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("access_id", Uuid, nullable=False),
    Column("redeemed_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("impersonated_by", Text),  # the admin who redeemed it while impersonating the customer (0005)
    # The database itself refuses a second live redemption of one code.
    Index("uq_code_redemptions_live", "code", unique=True, postgresql_where=text("removed_at IS NULL")),
)

code_invitations = Table(  # 0006: the purchaser's pending invitation to a code (one per code)
    "code_invitations",
    metadata,
    Column("code", Text, ForeignKey("registration_codes.code", ondelete="CASCADE"), primary_key=True),
    Column("invitee_email", Text, nullable=False),
    Column("invited_at", DateTime(timezone=True), nullable=False),
    Column("invited_by", Uuid, nullable=False, index=True),
    Column("impersonated_by", Text),
)

import_failures = Table(
    "import_failures",
    metadata,
    Column("import_id", Uuid, primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("price_id", Uuid),
    Column("reason", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

deleted_customers = Table(
    "deleted_customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("deleted_at", DateTime(timezone=True), nullable=False),
)

deletion_decisions = Table(
    "deletion_decisions",
    metadata,
    # commerce-access's answer to each deletion request (ids only); an approval also writes the
    # tombstone in deleted_customers.
    Column("request_event_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("decision", Text, nullable=False),
    Column("reason", Text),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

ALL_METADATA = (metadata, messaging_metadata, customer_projection_metadata)
