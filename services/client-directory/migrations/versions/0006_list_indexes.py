"""The admin client list answered from indexes (issue 18, item 4): ordered by name
(case-insensitively), the industry and active filters with that order, and pg_trgm GIN indexes
for the substring search on names, e-mail domains and aliases.

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
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_clients_name_key_id", "clients", [sa.text("lower(name)"), "id"])
    op.create_index("ix_clients_industry_name_key_id", "clients", ["industry", sa.text("lower(name)"), "id"])
    op.create_index("ix_clients_active_name_key_id", "clients", ["active", sa.text("lower(name)"), "id"])
    op.execute("CREATE INDEX ix_clients_name_key_trgm ON clients USING gin (lower(name) gin_trgm_ops)")
    op.create_index(
        "ix_client_domains_domain_trgm",
        "client_domains",
        ["domain"],
        postgresql_using="gin",
        postgresql_ops={"domain": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_client_aliases_alias_key_trgm",
        "client_aliases",
        ["alias_key"],
        postgresql_using="gin",
        postgresql_ops={"alias_key": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_client_aliases_alias_key_trgm", table_name="client_aliases")
    op.drop_index("ix_client_domains_domain_trgm", table_name="client_domains")
    for name in (
        "ix_clients_name_key_trgm",
        "ix_clients_active_name_key_id",
        "ix_clients_industry_name_key_id",
        "ix_clients_name_key_id",
    ):
        op.drop_index(name, table_name="clients")
