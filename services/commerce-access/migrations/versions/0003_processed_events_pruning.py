"""processed_events: an index on processed_at, for the pruning job (revision 0003, after 0002)."""

# The operations are the shared ones, so every service's database changes alike.
from trainyard_common.db.messaging_migration import create_processed_at_index as upgrade
from trainyard_common.db.messaging_migration import drop_processed_at_index as downgrade

__all__ = ["downgrade", "upgrade"]

revision = "0003"
down_revision = "0002"
