"""sessions, login history, activity log, groups, orders and access seen, e-mail outbox, erasure

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    _customers()
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("impersonated_by", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_sessions_customer_id", "sessions", ["customer_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE")),
        sa.Column("ip", sa.Text),
        sa.Column("at", TZ, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_customer_at", "login_attempts", ["customer_id", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.create_table(
        "activity_log",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("actor_kind", sa.Text, nullable=False),
        sa.Column("actor_name", sa.Text),
        sa.Column("impersonated", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_activity_log_customer_at", "activity_log", ["customer_id", "at"])
    _groups()
    _orders_and_access()
    _emails_and_erasure()


def _customers() -> None:
    for column in ("first_name", "last_name", "email", "password_hash"):
        op.alter_column("customers", column, existing_type=sa.Text, nullable=True)
    op.add_column("customers", sa.Column("tax_exempt", sa.Boolean, nullable=False, server_default="false"))
    op.add_column(
        "customers", sa.Column("password_change_required", sa.Boolean, nullable=False, server_default="false")
    )
    op.add_column("customers", sa.Column("password_expires_at", TZ))
    op.add_column("customers", sa.Column("password_expiry_days", sa.Integer))
    op.add_column("customers", sa.Column("failures_reset_at", TZ))
    op.add_column("customers", sa.Column("erased_at", TZ))
    op.add_column("customers", sa.Column("client_id", sa.Uuid))
    op.create_index("ix_customers_client_id", "customers", ["client_id"])


def _groups() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("email_domain", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_groups_email_domain", "groups", ["email_domain"])
    op.create_table(
        "customer_groups",
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_id", sa.Uuid, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", TZ, nullable=False),
    )
    op.create_index("ix_customer_groups_group_id", "customer_groups", ["group_id"])


def _orders_and_access() -> None:
    op.create_table(
        "order_history",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("completed_at", TZ, nullable=False),
    )
    op.create_index("ix_order_history_customer_id", "order_history", ["customer_id"])
    op.create_table(
        "customer_access",
        sa.Column("access_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("product_id", sa.Uuid, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
    )
    op.create_index("ix_customer_access_customer_id", "customer_access", ["customer_id"])


def _emails_and_erasure() -> None:
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE")),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_email_outbox_customer_id", "email_outbox", ["customer_id"])
    op.create_index("ix_email_outbox_next_attempt_at", "email_outbox", ["next_attempt_at"])
    op.create_table(
        "erasures",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
    )
    op.create_table(
        "erasure_receipts",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("request_event_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("completed_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "erasure_receipts",
        "erasures",
        "email_outbox",
        "customer_access",
        "order_history",
        "customer_groups",
        "groups",
        "activity_log",
        "login_attempts",
        "sessions",
    ):
        op.drop_table(table)
    op.drop_index("ix_customers_client_id", "customers")
    for column in (
        "client_id",
        "erased_at",
        "failures_reset_at",
        "password_expiry_days",
        "password_expires_at",
        "password_change_required",
        "tax_exempt",
    ):
        op.drop_column("customers", column)
