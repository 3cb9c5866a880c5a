"""outbox: a trigger that wakes the relay in whichever replica holds it (revision 0012, after 0011)."""

# The operations are the shared ones, so every service's database changes alike.
from trainyard_common.db.messaging_migration import create_outbox_wakeup as upgrade
from trainyard_common.db.messaging_migration import drop_outbox_wakeup as downgrade

__all__ = ["downgrade", "upgrade"]

revision = "0012"
down_revision = "0011"
