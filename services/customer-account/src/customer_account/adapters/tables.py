"""customer-account's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Text,
    Uuid,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB

from trainyard_common.db.text_search import trigram_index
from trainyard_common.messaging.tables import messaging_metadata

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Personal fields are nullable: an erased customer keeps only its id and creation date.
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", Text, unique=True),  # stored lower-cased: unique case-insensitively
    Column("organization", Text),
    Column("password_hash", Text),
    Column("status", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("tax_exempt", Boolean, nullable=False, server_default="false"),
    Column("password_change_required", Boolean, nullable=False, server_default="false"),
    Column("password_expires_at", DateTime(timezone=True)),
    Column("password_expiry_days", Integer),
    # Failed sign-ins before this moment no longer count towards the lockout (unlock, success).
    Column("failures_reset_at", DateTime(timezone=True)),
    Column("erased_at", DateTime(timezone=True)),
    # The learner's client, kept from client-directory's events (the admin list filters on it).
    Column("client_id", Uuid, index=True),
    # A deletion was requested and commerce-access has not answered yet: no sign-in, no buying.
    Column("deletion_requested_at", DateTime(timezone=True)),
)

# The admin list (repository.search): its order and each filter's index; the substring search
# (ILIKE '%…%') on e-mail, full name and organisation by pg_trgm's GIN indexes (migration 0011).
# FULL_NAME is the indexed expression: the search must use it as is (constants, not parameters).
# Written as PostgreSQL shows the index's expression, so that Alembic finds the index unchanged.
FULL_NAME = literal_column(
    "(COALESCE(customers.first_name, '') || ' ') || COALESCE(customers.last_name, '')", type_=Text
)
Index("ix_customers_created_at_id", customers.c.created_at.desc(), customers.c.id)
Index("ix_customers_status_created_at_id", customers.c.status, customers.c.created_at.desc(), customers.c.id)
Index("ix_customers_client_created_at_id", customers.c.client_id, customers.c.created_at.desc(), customers.c.id)
trigram_index("ix_customers_email_trgm", customers.c.email)
trigram_index("ix_customers_organization_trgm", customers.c.organization)
trigram_index("ix_customers_full_name_trgm", FULL_NAME, table=customers)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),  # SHA-256 of the token; the token itself is never stored
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("impersonated_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # An impersonation: SHA-256 of the admin token it was started with (0007); it ends with it.
    Column("admin_token_hash", Text),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    # Null for an unknown e-mail: the attempted address itself is not kept.
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE")),
    Column("ip", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_customer_at", "customer_id", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

# Who took an account's latest lock: an automatic one (the sign-in's) lifts after a cool-down,
# an admin's stays. Read only while the customer is locked; replaced at the next lock.
sign_in_locks = Table(
    "sign_in_locks",
    metadata,
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("locked_at", DateTime(timezone=True), nullable=False),
    Column("locked_by_kind", Text, nullable=False),
    Column("locked_by", Text),
)

activity_log = Table(
    "activity_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("type", Text, nullable=False),
    Column("actor_kind", Text, nullable=False),
    Column("actor_name", Text),
    Column("impersonated", Boolean, nullable=False, server_default="false"),
    Column("details", JSONB, nullable=False, server_default="{}"),
    Column("source_event_id", Text, unique=True),  # migration 0009: entries fed by other services' events
    Index("ix_activity_log_customer_at", "customer_id", "at"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("email_domain", Text, index=True),  # the automation: new or changed e-mails of this domain join
    Column("created_at", DateTime(timezone=True), nullable=False),
)

customer_groups = Table(
    "customer_groups",
    metadata,
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Uuid, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    # The member's customers.created_at, kept by the database (MEMBER_CREATED_AT): a group's page of
    # the admin list, newest first, and its total read this index alone (migration 0014).
    Column("customer_created_at", DateTime(timezone=True), nullable=False),
    Index("ix_customer_groups_group_created", "group_id", literal_column("customer_created_at DESC"), "customer_id"),
)

MEMBER_CREATED_AT = (
    """CREATE OR REPLACE FUNCTION member_created_at_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.customer_created_at := (SELECT created_at FROM customers WHERE id = NEW.customer_id);
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE FUNCTION member_created_at_follows_customer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE customer_groups SET customer_created_at = NEW.created_at WHERE customer_id = NEW.id;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS member_created_at_on_insert ON customer_groups",
    "CREATE TRIGGER member_created_at_on_insert BEFORE INSERT OR UPDATE OF customer_id ON customer_groups "
    "FOR EACH ROW EXECUTE FUNCTION member_created_at_on_insert()",
    "DROP TRIGGER IF EXISTS member_created_at_follows_customer ON customers",
    "CREATE TRIGGER member_created_at_follows_customer AFTER UPDATE OF created_at ON customers "
    "FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) "
    "EXECUTE FUNCTION member_created_at_follows_customer()",
)
"""``customer_groups.customer_created_at`` is its customer's ``created_at`` whichever code path
writes either table: a new membership takes it, and a customer whose creation time changes (none
does today) moves their memberships along. In the database, so no write path can forget it."""
MEMBER_CREATED_AT_DROP = (
    "DROP TRIGGER IF EXISTS member_created_at_follows_customer ON customers",
    "DROP TRIGGER IF EXISTS member_created_at_on_insert ON customer_groups",
    "DROP FUNCTION IF EXISTS member_created_at_follows_customer()",
    "DROP FUNCTION IF EXISTS member_created_at_on_insert()",
)

order_history = Table(
    "order_history",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),  # no FK: kept through erasure, blocks deletion
    Column("total", Numeric(12, 2), nullable=False),
    Column("currency", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
)

customer_access = Table(
    "customer_access",
    metadata,
    Column("access_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("product_id", Uuid, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", Uuid, primary_key=True),  # also the Message-ID: a receiver can drop a rare resend
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("last_error", Text),
    Column("send_failures", Integer, nullable=False, server_default="0"),  # for the message's sake (0006)
    Column("failed_at", DateTime(timezone=True)),  # given up: kept for inspection, never claimed again
)

erasures = Table(
    "erasures",
    metadata,
    Column("customer_id", Uuid, primary_key=True),  # no FK: a deletion's certificate outlives the customer
    Column("kind", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("key_destroyed_at", DateTime(timezone=True)),  # the customer's key deleted (0010)
)

erasure_receipts = Table(
    "erasure_receipts",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("service", Text, primary_key=True),
    Column("request_event_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("removed", JSONB, nullable=False, server_default="[]"),  # what the service removed (0010)
)

customer_keys = Table(
    "customer_keys",
    metadata,
    # The customer's data key (personal fields of events are sealed with it), wrapped by a KEK
    # (trainyard_common.privacy.keys). Deleted on erasure (crypto-shredding) and on deletion, by the
    # code that deletes the customer: no foreign key, written for every registration (migration 0013).
    Column("customer_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("kek_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

deletion_requests = Table(
    "deletion_requests",
    metadata,
    # No FK: "done" outlives the customer row; ids, states and times only (no personal data).
    Column("customer_id", Uuid, primary_key=True),
    Column("state", Text, nullable=False),
    Column("reason", Text),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)

customer_imports = Table(
    "customer_imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("created", Integer, nullable=False),
    Column("imported_rows", Integer, nullable=False),
    Column("errors", JSONB, nullable=False, server_default="[]"),
    # Rows with a Price ID: commerce-access settles each (import_row_orders).
    Column("orders_expected", Integer, nullable=False, server_default="0"),
)

import_row_orders = Table(
    "import_row_orders",
    metadata,
    Column("import_id", Uuid, primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("price_id", Uuid, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("order_id", Uuid),
    Column("reason", Text),
    Column("settled_at", DateTime(timezone=True), nullable=False),
)

# One-time set-password links of the welcome e-mail (0008): the token's SHA-256 only, never the
# token nor a generated password; deleted by their first use (and the customer's other links with it).
password_setup_tokens = Table(
    "password_setup_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# What Alembic compares this service's migrations against: its own tables and the shared ones.
ALL_METADATA = (metadata, messaging_metadata)
