from trainyard_common.db.migrations import run_migrations
from trainyard_common.messaging.tables import messaging_metadata

from gateway.adapters.tables import metadata

run_migrations(metadata, messaging_metadata)
