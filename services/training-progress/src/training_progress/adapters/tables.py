"""training-progress's own tables. The outbox, processed_events and the customer projection come from
trainyard_common; `ALL_METADATA` is what Alembic compares the migrations against."""

from __future__ import annotations

from sqlalchemy import MetaData

from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.projections.customers import customer_projection_metadata

metadata = MetaData()

ALL_METADATA = (metadata, messaging_metadata, customer_projection_metadata)
