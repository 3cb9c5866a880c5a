from training_progress.adapters.tables import metadata
from trainyard_common.db.migrations import run_migrations
from trainyard_common.messaging.tables import messaging_metadata

run_migrations(metadata, messaging_metadata)
