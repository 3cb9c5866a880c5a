"""LMS integrations: client credentials with scopes, and their short-lived tokens (issue 17, item 10)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("client_id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_integrations_active_name",
        "integrations",
        ["name"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "integration_tokens",
        sa.Column("token_hash", sa.Text(), primary_key=True),
        sa.Column(
            "client_id",
            sa.Text(),
            sa.ForeignKey("integrations.client_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_integration_tokens_client_id", "integration_tokens", ["client_id"])
    op.create_index("ix_integration_tokens_expires_at", "integration_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("integration_tokens")
    op.drop_index("uq_integrations_active_name", table_name="integrations")
    op.drop_table("integrations")
