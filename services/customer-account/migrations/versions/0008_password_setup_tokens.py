"""password_setup_tokens: one-time set-password links of the welcome e-mail (issue 15, item 16:
a generated password is never stored in clear; the e-mail carries a link, only its token's SHA-256
is kept); welcome e-mails given up before this revision lose the password they held

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# How messages.welcome_email wrote a generated password before this revision.
_PASSWORD_LINES = r"\n\nYour password \(you will be asked to change it\):\n\n    \S+"  # noqa: S105 (a pattern)


def upgrade() -> None:
    op.create_table(
        "password_setup_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("customer_id", sa.Uuid, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_password_setup_tokens_customer_id", "password_setup_tokens", ["customer_id"])
    op.create_index("ix_password_setup_tokens_expires_at", "password_setup_tokens", ["expires_at"])
    # A message given up (failed_at) is kept for inspection and never sent: its password goes.
    op.execute(
        sa.text(
            "UPDATE email_outbox SET body = regexp_replace(body, :lines, '', 'g') "
            "WHERE failed_at IS NOT NULL AND body ~ :lines"
        ).bindparams(lines=_PASSWORD_LINES)
    )


def downgrade() -> None:
    op.drop_table("password_setup_tokens")
