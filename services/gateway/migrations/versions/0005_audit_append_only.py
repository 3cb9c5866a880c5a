"""audit_log: the client's user agent, and append-only in the database (issue 15, item 15)

A trigger refuses every UPDATE and DELETE (row level) and TRUNCATE (statement level) on
``audit_log``, whoever runs it: it is the enforcement, since the service's role usually owns the
table (it runs these migrations at start-up) and an owner can always grant itself rights back.
The privileges are revoked too, as a second line: from PUBLIC and from every role granted them
other than the owner, and from the migrating role itself (an owner may revoke its own rights; a
later migration would have to GRANT them back on purpose). Where a separate runtime role uses
the table, it then holds no UPDATE, DELETE or TRUNCATE on it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REFUSE = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

REVOKE = """
DO $$
DECLARE
    owner_name name := (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'audit_log');
    grantee_name name;
BEGIN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
    FOR grantee_name IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = 'audit_log'
          AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND grantee NOT IN ('PUBLIC', owner_name)
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', grantee_name);
    END LOOP;
    IF owner_name = current_user THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', owner_name);
    END IF;
END
$$
"""

RESTORE = """
DO $$
BEGIN
    IF (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'audit_log')
            = current_user THEN
        EXECUTE format('GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO %I', current_user);
    END IF;
END
$$
"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("user_agent", sa.Text(), nullable=True))
    op.execute(REFUSE)
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(REVOKE)


def downgrade() -> None:
    op.execute(RESTORE)
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_column("audit_log", "user_agent")
