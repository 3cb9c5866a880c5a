"""Reads every service's database (and, at the end, the topics) and says of each acknowledged
change whether it was applied — every effect it must have, in every service that keeps one — and
whether anything was applied twice.

Applied, per change:

* registration: customer-account has the customer and its client (``LearnerAssignedToClient``
  came back); client-directory mapped the learner to the seed's client; commerce-access and
  training-progress keep the customer in their projection;
* import row: customer-account created the customer; commerce-access made exactly one order for
  it (``CustomerImported``); customer-account's order history has it (``OrderCompleted``);
  client-directory mapped the learner;
* admin assignment: the order in commerce-access, in customer-account's order history and in
  client-directory's reporting; training-progress keeps the access it grants;
* progress record: training-progress has it, client-directory's reporting counts it;
* erasure: customer-account holds a receipt from each of the three other services;
* a registration committed late (long-open outbox transaction): mapped in client-directory,
  known to commerce-access and training-progress.

Applied twice (each a change whose consumer ran twice): a learner announced by two different
``LearnerAssignedToClient`` events; an imported customer with two orders or two distinct
``OrderCompleted``; a (customer, service) with two distinct ``CustomerErasureCompleted``; an
assigned customer with two orders. Records carrying an event id already seen on the topic are
counted apart (``redelivered``): the relay's at-least-once publishing — harmless by design.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from faults.workload import Workload
from trainyard_common.messaging.topics import all_topics

TOPICS_READ = (
    "UserRegistered",
    "UserRegistered.v2",  # what the services read since issue 16 (the duplicates go there)
    "CustomerImported.v2",
    "LearnerAssignedToClient",
    "OrderCompleted",
    "CustomerImported",
    "CustomerErased",
    "CustomerErasureCompleted",
    "ProgressRecorded",
    "AccessGranted",
)


@dataclass
class Found:
    applied: int = 0
    missing: dict[str, int] = field(default_factory=dict)  # kind of change → not (yet) applied

    @property
    def lost(self) -> int:
        return sum(self.missing.values())


@dataclass
class TopicFindings:
    applied_twice: dict[str, int] = field(default_factory=dict)
    redelivered: int = 0
    dead_letters_expected: int = 0
    dead_letters_unexpected: int = 0
    unexpected_detail: list[str] = field(default_factory=list)


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(v) for v in values]


def _column(database_url: str, query: str, *params: Any) -> list[Any]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return [row[0] for row in conn.execute(query, params).fetchall()]


def applied(workload: Workload) -> Found:
    """Which acknowledged changes have every effect (database reads only: cheap, polled)."""
    fs, ledger = workload.fs, workload.ledger
    ca, cd, comm, tp = (
        fs.database("customer_account"),
        fs.database("client_directory"),
        fs.database("commerce_access"),
        fs.database("training_progress"),
    )
    client = uuid.UUID(workload.client_id)
    with ledger.lock:
        registrations, imported = list(ledger.registrations), list(ledger.imported)
        assignments, progress = dict(ledger.assignments), list(ledger.progress)
        erasures, held = list(ledger.erasures), list(ledger.held)

    def mapped(ids: list[uuid.UUID]) -> set[uuid.UUID]:
        return set(
            _column(cd, "SELECT customer_id FROM learners WHERE customer_id = ANY(%s) AND client_id = %s", ids, client)
        )

    def projected(database_url: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        return set(_column(database_url, "SELECT customer_id FROM customers WHERE customer_id = ANY(%s)", ids))

    found = Found()

    def tally(kind: str, wanted: Iterable[Any], *have: set[Any]) -> None:
        wanted = list(wanted)
        ok = set(wanted).intersection(*have) if have else set(wanted)
        found.applied += len(ok)
        if len(wanted) - len(ok):
            found.missing[kind] = len(wanted) - len(ok)

    ids = _uuids(registrations)
    with_client = set(_column(ca, "SELECT id FROM customers WHERE id = ANY(%s) AND client_id = %s", ids, client))
    tally("register", ids, with_client, mapped(ids), projected(comm, ids), projected(tp, ids))

    by_email = dict(
        _rows(ca, "SELECT lower(email), id FROM customers WHERE lower(email) = ANY(%s)", [e.lower() for e in imported])
    )
    imp_ids = list(by_email.values())
    one_order = set(
        _column(
            comm,
            "SELECT customer_id FROM orders WHERE customer_id = ANY(%s) GROUP BY customer_id HAVING count(*) = 1",
            imp_ids,
        )
    )
    in_history = set(_column(ca, "SELECT customer_id FROM order_history WHERE customer_id = ANY(%s)", imp_ids))
    imported_ok = one_order & in_history & mapped(imp_ids)
    found.applied += len(imported_ok)
    if len(imported) - len(imported_ok):
        found.missing["import"] = len(imported) - len(imported_ok)

    orders = {uuid.UUID(o): uuid.UUID(c) for c, o in assignments.items()}
    order_ids = list(orders)
    in_comm = set(_column(comm, "SELECT id FROM orders WHERE id = ANY(%s)", order_ids))
    in_hist = set(_column(ca, "SELECT order_id FROM order_history WHERE order_id = ANY(%s)", order_ids))
    in_report = set(_column(cd, "SELECT order_id FROM report_orders WHERE order_id = ANY(%s)", order_ids))
    with_access = set(_column(tp, "SELECT customer_id FROM access WHERE customer_id = ANY(%s)", list(orders.values())))
    tally("assign", order_ids, in_comm, in_hist, in_report, {o for o, c in orders.items() if c in with_access})

    ids = _uuids(progress)
    module = uuid.UUID(workload.module_id)
    recorded = set(
        _column(tp, "SELECT customer_id FROM progress WHERE customer_id = ANY(%s) AND item_id = %s", ids, module)
    )
    reported = set(_column(cd, "SELECT customer_id FROM report_progress WHERE customer_id = ANY(%s)", ids))
    tally("progress", ids, recorded, reported)

    ids = _uuids(erasures)
    receipts = set(
        _column(
            ca,
            "SELECT customer_id FROM erasure_receipts WHERE customer_id = ANY(%s)"
            " GROUP BY customer_id HAVING count(*) >= 3",
            ids,
        )
    )
    tally("erase", ids, receipts)

    ids = _uuids(held)
    tally("held", ids, mapped(ids), projected(comm, ids), projected(tp, ids))
    return found


def _rows(database_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return [tuple(r) for r in conn.execute(query, params).fetchall()]


def twice_in_databases(workload: Workload) -> dict[str, int]:
    """Customers of this seed with more orders than changes asked for."""
    ledger, comm = workload.ledger, workload.fs.database("commerce_access")
    ca = workload.fs.database("customer_account")
    ids = [uuid.UUID(c) for c in ledger.assignments]
    emails = [e.lower() for e in ledger.imported]
    ids += _column(ca, "SELECT id FROM customers WHERE lower(email) = ANY(%s)", emails)
    doubled = _column(
        comm, "SELECT customer_id FROM orders WHERE customer_id = ANY(%s) GROUP BY customer_id HAVING count(*) > 1", ids
    )
    return {"orders": len(doubled)} if doubled else {}


async def read_topics(bootstrap: str, topics: list[str]) -> list[Any]:
    """Every record of ``topics`` up to their current end (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(await _partitions(consumer, t))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        pending = {tp for tp, end in ends.items() if end > 0}
        while pending:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, part in batch.items():
                records.extend(part)
                if part and part[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await consumer._client.force_metadata_update()
    raise RuntimeError(f"topic {topic} not found")


def header(record: Any, name: str) -> str:
    for key, value in record.headers:
        if key == name:
            return str(value.decode())
    return ""


def check_topics(
    bootstrap: str, prefix: str, poison_keys: set[bytes], counted: set[tuple[str, int, int]] | None = None
) -> TopicFindings:
    """Applied twice (as the events the consumers emitted show it), redeliveries, dead letters."""
    dlqs = [s.name for s in all_topics(partitions=3, prefix=prefix) if s.name.endswith(".DLQ")]
    records = asyncio.run(read_topics(bootstrap, [prefix + t for t in TOPICS_READ] + dlqs))
    findings = TopicFindings()
    seen: set[tuple[str, str]] = set()
    distinct: dict[str, Counter[tuple[str, str]]] = {t: Counter() for t in TOPICS_READ}
    counted = set() if counted is None else counted
    for record in records:
        topic = record.topic.removeprefix(prefix)
        where = (record.topic, record.partition, record.offset)
        fresh = where not in counted
        counted.add(where)
        if topic.endswith(".DLQ"):
            if not fresh:
                continue
            if record.key in poison_keys:
                findings.dead_letters_expected += 1
            else:
                findings.dead_letters_unexpected += 1
                findings.unexpected_detail.append(f"{topic}: {header(record, 'dlq_error')[:200]}")
            continue
        ce_id = header(record, "ce_id")
        if (topic, ce_id) in seen:
            findings.redelivered += fresh
            continue
        seen.add((topic, ce_id))
        key = (record.key or b"").decode()
        if topic == "LearnerAssignedToClient":
            distinct[topic][(key, "")] += 1
        elif topic == "CustomerErasureCompleted":
            distinct[topic][(key, header(record, "ce_source"))] += 1
        elif topic == "OrderCompleted":
            distinct[topic][(key, "")] += 1
    for topic in ("LearnerAssignedToClient", "CustomerErasureCompleted", "OrderCompleted"):
        doubled = sum(1 for n in distinct[topic].values() if n > 1)
        if doubled:
            findings.applied_twice[topic] = doubled
    return findings
