"""deleted_under_lock(): a checkout's deletion lock and deleted-customer check inside its one
statement (issue 18, item 3)

The check must read what a deletion committed while the checkout waited for the lock. A
statement's own snapshot is taken before it runs, so the lock used to be a statement of its own,
sent beside the checkout's in a pipeline. A VOLATILE function's queries take a fresh snapshot
each (READ COMMITTED): this one takes the shared lock, then reads ``deleted_customers`` as it is
once the lock is held, and the checkout is one statement.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION deleted_under_lock(lock_namespace integer, customer uuid) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(lock_namespace, hashtext(customer::text));
            RETURN EXISTS (SELECT FROM deleted_customers WHERE customer_id = customer);
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION deleted_under_lock(integer, uuid)")
