"""Migration operations for the ``outbox`` and ``processed_events`` tables.

Every service's first migration calls ``create_messaging_tables()``, which creates them from
their one definition in ``messaging/tables.py`` rather than a copy in each service; later
changes to them are helpers here too, each called by one migration per service.
"""

from __future__ import annotations

from alembic import op

from trainyard_common.messaging.tables import (
    OUTBOX_WAKEUP,
    OUTBOX_WAKEUP_DROP,
    messaging_metadata,
    outbox,
    processed_events,
)


def create_messaging_tables() -> None:
    """The tables as ``messaging/tables.py`` defines them (the one definition), index included."""
    messaging_metadata.create_all(op.get_bind(), tables=[outbox, processed_events])


def drop_messaging_tables() -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox")


PROCESSED_AT_INDEX = "ix_processed_events_processed_at"


def create_processed_at_index() -> None:
    """The index by which the pruning job finds old claims (``messaging/pruning.py``).

    A b-tree, not BRIN: pruning frees the oldest pages and new claims then fill them, so heap
    order stops following ``processed_at`` and BRIN's block ranges would widen until every
    chunk read the whole table. Appending to a b-tree's rightmost page costs each claim little.

    Built concurrently: by now ``processed_events`` may hold many millions of claims, and a
    plain build would block every consumer's claims for as long as it runs. A concurrent build
    cannot run inside a transaction, and one that failed leaves an invalid index behind, which
    is dropped before building again.
    """
    with op.get_context().autocommit_block():
        _drop_processed_at_index()
        op.create_index(PROCESSED_AT_INDEX, "processed_events", ["processed_at"], postgresql_concurrently=True)


def drop_processed_at_index() -> None:
    with op.get_context().autocommit_block():
        _drop_processed_at_index()


def _drop_processed_at_index() -> None:
    op.drop_index(PROCESSED_AT_INDEX, table_name="processed_events", postgresql_concurrently=True, if_exists=True)


def create_outbox_wakeup() -> None:
    """The trigger that wakes the outbox relay wherever it runs (``messaging/tables.py``)."""
    for statement in OUTBOX_WAKEUP:
        op.execute(statement)


def drop_outbox_wakeup() -> None:
    for statement in OUTBOX_WAKEUP_DROP:
        op.execute(statement)
