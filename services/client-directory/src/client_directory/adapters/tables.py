"""client-directory's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, MetaData, Numeric, Table, Text, Uuid, func

from trainyard_common.db.text_search import trigram_index
from trainyard_common.messaging.tables import messaging_metadata

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("industry", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

client_domains = Table(
    "client_domains",
    metadata,
    # One domain may sit on several clients, but on one ACTIVE client at most (service layer,
    # under the clients lock): a deactivated client keeps its domains for the record.
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("domain", Text, primary_key=True, index=True),
)

client_aliases = Table(
    "client_aliases",
    metadata,
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("alias", Text, primary_key=True),
    Column("alias_key", Text, nullable=False, index=True),
)

# The admin list (ClientRepository.search), migration 0006: by name (case-insensitively), each
# filter with it, and pg_trgm's GIN indexes for the substring search on names, domains and aliases.
NAME_KEY = func.lower(clients.c.name)
Index("ix_clients_name_key_id", NAME_KEY, clients.c.id)
Index("ix_clients_industry_name_key_id", clients.c.industry, NAME_KEY, clients.c.id)
Index("ix_clients_active_name_key_id", clients.c.active, NAME_KEY, clients.c.id)
trigram_index("ix_clients_name_key_trgm", NAME_KEY, table=clients)
trigram_index("ix_client_domains_domain_trgm", client_domains.c.domain)
trigram_index("ix_client_aliases_alias_key_trgm", client_aliases.c.alias_key)

learners = Table(
    "learners",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("email", Text),  # NULL once the customer is erased
    Column("organization", Text),
    Column("client_id", Uuid, ForeignKey("clients.id"), index=True),
    Column("reason", Text),
    Column("assigned_at", DateTime(timezone=True)),
    Column("erased_at", DateTime(timezone=True)),
)

# Deleted customers (ids only): a late UserRegistered must not bring them back.
forgotten_customers = Table(
    "forgotten_customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("forgotten_at", DateTime(timezone=True), nullable=False),
)

classes = Table(
    "classes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("starts_on", Date, nullable=False, index=True),
    Column("ends_on", Date, nullable=False),
    Column("default_client_id", Uuid, ForeignKey("clients.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("class_id", Uuid, ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", Uuid, primary_key=True, index=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    # The class's (active) default client at enrolment: applied then, or when the learner's
    # registration arrives if it had not yet (a pending enrolment: no ``learners`` row).
    Column("default_client_id", Uuid, ForeignKey("clients.id")),
    # The client the student had in this class (the report per class counts the enrolment for
    # it): set at enrolment or arrival, changed only by the class page's assignments/removals.
    Column("client_id", Uuid, ForeignKey("clients.id")),
)

# Reporting facts, one row per fact and learner; aggregated by the learner's CURRENT client
# at query time, so a re-assignment moves past and future figures at once.
report_progress = Table(
    "report_progress",
    metadata,
    Column("progress_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("item_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Column("deleted_at", DateTime(timezone=True)),  # a tombstone: deleted progress leaves the figures
)

report_orders = Table(
    "report_orders",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("total", Numeric, nullable=False),
    Column("currency", Text, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
)

# What Alembic compares this service's migrations against: its own tables and the shared ones.
ALL_METADATA = (metadata, messaging_metadata)
