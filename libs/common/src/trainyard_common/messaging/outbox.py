"""Outbox rows: what ``uow.emit`` and the bulk paths write, and the relay publishes.

A row holds the event's plain topic, its key, its JSON payload and its CloudEvents headers as
a JSON object. Most headers are the same for every event of one type from one service
(``ce_specversion``, ``ce_type``, ``ce_source``, ``ce_schemaversion``, ``content-type``): they are
serialised once per type and only the varying ones (``ce_id``, ``ce_time``, ``ce_subject``,
``ce_correlationid``, the trace context) are added per event. The result is the same set of
headers ``Envelope.to_headers`` gives, so consumers cannot tell the two apart.

Rows are written with one statement per commit: arrays of the four columns through
``unnest``, whatever the number of events.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts.base import Event
from trainyard_common.messaging.envelope import CONTENT_TYPE, SPEC_VERSION, TYPE_PREFIX

OutboxRow = tuple[str, str, str, str]
"""topic, message key, payload JSON, headers JSON: the outbox's columns, as written."""

# The rows travel as one JSON array parameter: psycopg dumps a text[] element by element in
# Python (quoting every '"' of a JSON payload with a regex), which cost more than the rest of a
# consumer's batch; orjson writes the whole array in C, and the server takes it apart.
_INSERT_ROWS = text(
    "INSERT INTO outbox (topic, message_key, payload, headers) "
    "SELECT r->>0, r->>1, r->>2, (r->>3)::jsonb "
    "FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS t(r, n) ORDER BY n"
)


@dataclass(frozen=True, slots=True)
class Cause:
    """What an emitted event inherits from the event (or request) that caused it."""

    correlation_id: str = ""
    trace_headers: Mapping[str, str] = field(default_factory=dict)


@functools.cache
def _constant_headers(event_type: str, schema_version: int, source: str) -> bytes:
    """The headers every event of this type from this source shares, as a JSON object's members."""
    constant = {
        "ce_specversion": SPEC_VERSION,
        "ce_type": f"{TYPE_PREFIX}{event_type}",
        "ce_source": source,
        "ce_schemaversion": str(schema_version),
        "content-type": CONTENT_TYPE,
    }
    return orjson.dumps(constant)[1:-1]  # without the braces: the varying members are appended


class OutboxRows:
    """Builds outbox rows for one service (its CloudEvents ``source``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def row(self, event: Event, cause: Cause) -> OutboxRow:
        subject = event.aggregate_id()
        return (event.topic(), subject, event.model_dump_json(), self.headers(event, subject, cause))

    def headers(
        self,
        event: Event,
        subject: str,
        cause: Cause,
        *,
        event_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        varying: dict[str, str] = {
            "ce_id": event_id,
            "ce_time": (at or datetime.now(UTC)).isoformat(),
            "ce_correlationid": cause.correlation_id or event_id,
            **cause.trace_headers,
        }
        if subject:
            varying["ce_subject"] = subject
        constant = _constant_headers(event.event_type, event.schema_version, self.source)
        return (b"{" + constant + b"," + orjson.dumps(varying)[1:]).decode()


async def insert_outbox_rows(session: AsyncSession, rows: Sequence[OutboxRow]) -> None:
    """Every row in one statement, in the order given (the outbox id follows it)."""
    if rows:
        await session.execute(_INSERT_ROWS, {"rows": orjson.dumps(rows).decode()})


# --------------------------------------------------------------------------- events built in SQL
#
# A bulk path (an import of 100,000 rows) cannot afford a Python object per event: it writes its
# events with ``INSERT INTO outbox … SELECT`` from the rows it has just written, the payload built
# by PostgreSQL (``json_build_object``) and the headers from the constant part above plus the
# members below that vary per row. ``ce_correlationid`` and the trace context travel with the
# constant part: the events of one statement have one cause.

CE_ID_SQL = "gen_random_uuid()::text"
"""SQL: a fresh ``ce_id`` per row (a random UUID, as ``Envelope`` makes)."""


def iso8601_sql(timestamp: str) -> str:
    """SQL: the ``timestamptz`` expression ``timestamp`` written as ``datetime.isoformat`` writes a UTC
    time (``2025-03-24T00:00:00.000000+00:00``), whatever the session's time zone: what
    ``datetime.fromisoformat`` and the contracts' datetimes read. NULL stays NULL."""
    return f"""to_char(({timestamp}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


CE_TIME_SQL = f"(SELECT {iso8601_sql('now()')})"
"""SQL: ``ce_time``, the transaction's start (``now()``). A sub-select, so it is computed once per
statement rather than once per row."""


def ce_subject_sql(key: str) -> str:
    """SQL: ``ce_subject``, the aggregate id, which is also the message key (``key`` as text)."""
    return f"({key})::text"


def constant_headers_json(event: type[Event], source: str, cause: Cause) -> str:
    """Every header of an ``event`` from ``source`` but ``ce_id``, ``ce_time`` and ``ce_subject``, as a
    JSON object: the constant CloudEvents headers, ``ce_correlationid`` and the trace context of
    ``cause``. A cause without a correlation id gets a fresh one here (``outbox_sql_params`` gives one
    to all the events of a statement: they are one action; ``emit`` would give each its own id)."""
    varying = {"ce_correlationid": cause.correlation_id or str(uuid.uuid4()), **cause.trace_headers}
    constant = _constant_headers(event.event_type, event.schema_version, source)
    return (b"{" + constant + b"," + orjson.dumps(varying)[1:]).decode()


@dataclass(frozen=True, slots=True)
class SqlEvent:
    """One event type as SQL builds it from a row: its payload, and which rows cause it."""

    event: type[Event]
    payload: str
    """A ``json`` expression over the row (``json_build_object(…)``) that the contract accepts as
    ``model_dump_json`` writes it: UUIDs and decimals as strings, datetimes through ``iso8601_sql``,
    enums as their values, optional fields present (null when empty)."""
    when: str = "TRUE"
    """A condition over the row: only rows where it holds cause this event."""


def insert_outbox_sql(rows: str, events: Sequence[SqlEvent], *, key: str, order: str) -> str:
    """``INSERT INTO outbox … SELECT``: for each row of ``rows`` (a FROM item, e.g. ``named AS p``), every
    event of ``events`` whose ``when`` holds, in that order, keyed by ``key`` (the aggregate id).

    Rows are taken in ``order`` (an ORDER BY list over ``rows``), so the outbox ids, and with them
    the relay, follow it; a row's events keep the order of ``events``. Runs on its own or as a
    data-modifying CTE of the statement that writes the rows. Bind parameters: ``outbox_sql_params``.
    """
    branches = "\n        UNION ALL\n        ".join(
        f"SELECT {n} AS n, CAST(:outbox_topic_{n} AS text) AS topic, "
        f"CAST(:outbox_headers_{n} AS jsonb) AS constant, ({event.payload})::text AS payload WHERE {event.when}"
        for n, event in enumerate(events)
    )
    subject = ce_subject_sql(key)
    varying = f"jsonb_build_object('ce_id', {CE_ID_SQL}, 'ce_time', {CE_TIME_SQL}, 'ce_subject', {subject})"
    return (
        "INSERT INTO outbox (topic, message_key, payload, headers)\n"  # noqa: S608 (SQL from code, values bound)
        f"    SELECT e.topic, {subject}, e.payload, e.constant || {varying}\n"
        f"    FROM {rows} CROSS JOIN LATERAL (\n        {branches}\n    ) AS e\n"
        f"    ORDER BY {order}, e.n"
    )


def outbox_sql_params(events: Sequence[SqlEvent], source: str, cause: Cause) -> dict[str, str]:
    """The bind parameters of ``insert_outbox_sql(…, events, …)`` for events from ``source`` with ``cause``."""
    shared = Cause(cause.correlation_id or str(uuid.uuid4()), cause.trace_headers)
    params: dict[str, str] = {}
    for n, event in enumerate(events):
        params[f"outbox_topic_{n}"] = event.event.topic()
        params[f"outbox_headers_{n}"] = constant_headers_json(event.event, source, shared)
    return params
