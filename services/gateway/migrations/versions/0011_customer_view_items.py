"""The customer view keeps a listed section (order history, access list) as one row per listed
row (``customer_view_items``) and the JSON around them (``customer_view_sections.tail``, with
the service's count in ``total``, and what is held: ``held`` rows, the oldest ``oldest_at`` /
``oldest_id``): an order adds or replaces a row instead of rewriting its learner's whole history
(up to ~40 kB of JSON, on every order of a busy learner). Sections stored before stay whole
(``tail`` null) until their next read, which stores them as rows.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer_view_sections", sa.Column("tail", sa.Text(), nullable=True))
    op.add_column("customer_view_sections", sa.Column("total", sa.Integer(), nullable=True))
    op.add_column("customer_view_sections", sa.Column("held", sa.Integer(), nullable=True))
    op.add_column("customer_view_sections", sa.Column("oldest_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("customer_view_sections", sa.Column("oldest_id", sa.Uuid(), nullable=True))
    op.create_table(
        "customer_view_items",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("blocks", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "section", "item_id"),
    )
    op.create_index(
        "ix_customer_view_items_listed",
        "customer_view_items",
        ["customer_id", "section", sa.text("ranked_at DESC"), "item_id"],
    )


def downgrade() -> None:
    # The listed sections go whole again only by a read: drop them, the page reads them live.
    op.execute("DELETE FROM customer_view_sections WHERE tail IS NOT NULL")
    op.drop_index("ix_customer_view_items_listed", table_name="customer_view_items")
    op.drop_table("customer_view_items")
    for column in ("oldest_id", "oldest_at", "held", "total"):
        op.drop_column("customer_view_sections", column)
    op.drop_column("customer_view_sections", "tail")
