from client_directory.adapters.tables import ALL_METADATA
from trainyard_common.db.migrations import run_migrations

run_migrations(*ALL_METADATA)
