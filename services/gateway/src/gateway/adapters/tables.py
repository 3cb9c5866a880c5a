"""The gateway's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
    text,
    true,
)

from trainyard_common.messaging.tables import messaging_metadata

metadata = MetaData()

admins = Table(
    "admins",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("password_changed_at", DateTime(timezone=True)),
    CheckConstraint("role IN ('admin', 'viewer')", name="ck_admins_role"),
)

admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("admin_id", Uuid, ForeignKey("admins.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("revoked_at", DateTime(timezone=True)),
)

integrations = Table(
    "integrations",
    metadata,
    Column("client_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("scopes", Text, nullable=False),  # space-separated, as in OAuth 2.0
    Column("secret_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("uq_integrations_active_name", "name", unique=True, postgresql_where=text("revoked_at IS NULL")),
)

integration_tokens = Table(
    "integration_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("client_id", Text, ForeignKey("integrations.client_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("scopes", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text),
    Column("outcome", Text, nullable=False),
    Column("status_code", Integer),
    Column("correlation_id", Text, nullable=False),
    Column("client_ip", Text),
    Column("user_agent", Text),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_action_at", "action", "at"),
    Index("ix_audit_log_action_actor_at", "action", "actor", "at"),
    # the audit log's filters by actor and by target, newest first (0008)
    Index("ix_audit_log_actor_at", "actor", "at"),
    Index("ix_audit_log_target_at", "target", "at"),
)

# What Alembic compares this service's migrations against: its own tables and the shared ones.
ALL_METADATA = (metadata, messaging_metadata)
