"""Migration operations for the projections, called from a service's own migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_customer_projection_table() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customers_email", "customers", ["email"])


def drop_customer_projection_table() -> None:
    op.drop_table("customers")


def create_erased_customers_table() -> None:
    """The projection's tombstones (``customers.erased_customers``): ids only, kept forever."""
    op.create_table(
        "erased_customers",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
    )


def drop_erased_customers_table() -> None:
    op.drop_table("erased_customers")
