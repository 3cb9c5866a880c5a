"""training-progress's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, index=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)
