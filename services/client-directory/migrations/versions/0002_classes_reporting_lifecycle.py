"""domains on several (inactive) clients, classes, enrolments, reporting facts, erasure

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("client_domains_pkey", "client_domains", type_="primary")
    op.create_primary_key("client_domains_pkey", "client_domains", ["client_id", "domain"])
    op.create_index("ix_client_domains_domain", "client_domains", ["domain"])
    op.alter_column("learners", "email", existing_type=sa.Text, nullable=True)
    op.add_column("learners", sa.Column("erased_at", sa.DateTime(timezone=True)))
    op.create_table(
        "forgotten_customers",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False, index=True),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("default_client_id", sa.Uuid, sa.ForeignKey("clients.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "enrollments",
        sa.Column("class_id", sa.Uuid, sa.ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("customer_id", sa.Uuid, primary_key=True, index=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "report_progress",
        sa.Column("progress_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("item_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "report_orders",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("total", sa.Numeric, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("report_orders", "report_progress", "enrollments", "classes", "forgotten_customers"):
        op.drop_table(table)
    op.drop_column("learners", "erased_at")
    op.alter_column("learners", "email", existing_type=sa.Text, nullable=False)
    op.drop_index("ix_client_domains_domain", "client_domains")
    op.drop_constraint("client_domains_pkey", "client_domains", type_="primary")
    op.create_primary_key("client_domains_pkey", "client_domains", ["domain"])
