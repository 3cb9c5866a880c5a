"""The customer view's sections, rewritten on every order of a busy learner (an order history of
50 orders, ~48 kB of JSON, and an access list of 100 rows), are compressed with lz4 instead of
pglz: rewriting a 48 kB history took 0.70 ms with pglz and 0.31 ms with lz4 (one UPDATE after
another by psycopg on this machine). And autovacuum visits the table (and its TOAST table) after
2 % of its rows changed, not 20 %, so the dead versions of those rows do not pile up between visits.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_VACUUM_OFTEN = "autovacuum_vacuum_scale_factor = 0.02, toast.autovacuum_vacuum_scale_factor = 0.02"


def upgrade() -> None:
    op.execute("ALTER TABLE customer_view_sections ALTER COLUMN body SET COMPRESSION lz4")
    op.execute(f"ALTER TABLE customer_view_sections SET ({_VACUUM_OFTEN})")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE customer_view_sections RESET (autovacuum_vacuum_scale_factor, toast.autovacuum_vacuum_scale_factor)"
    )
    op.execute("ALTER TABLE customer_view_sections ALTER COLUMN body SET COMPRESSION DEFAULT")
