"""outbox: a trigger that wakes the relay in whichever replica holds it (revision 0010, after 0009)."""

# The operations are the shared ones, so every service's database changes alike.
from trainyard_common.db.messaging_migration import create_outbox_wakeup as upgrade
from trainyard_common.db.messaging_migration import drop_outbox_wakeup as downgrade

__all__ = ["downgrade", "upgrade"]

revision = "0010"
down_revision = "0009"
