"""Registering idempotent event handlers on a FastStream broker, consumed in batches.

A service writes either kind of handler and registers it for one event type:

* ``@subscriptions.handler(X) async def on_x(event: X, uow) -> None`` — one event at a time;
* ``@subscriptions.batch_handler(X) async def on_xs(events: Sequence[Delivered[X]], uow) -> None``
  — a whole partition batch: load what it needs in a few queries, apply the events in order in
  memory, write back in a few statements. ``Delivered`` carries the event id and its cause
  (``uow.emit(..., cause=d.cause)`` keeps the correlation id and trace).

Either way, one partition batch is one transaction: every event id is claimed in
``processed_events`` in one statement (duplicates, in the batch or from earlier ones, are
dropped), the handler runs on the fresh events, the emitted events are written, and it
commits. Failures, dead letters and offsets are ``Delivery``'s job.

Why FastStream's batch subscriber and not a consume loop of our own: it gives the AsyncAPI
document, the broker's lifecycle and telemetry for free, and its guarantees can be kept with
three adjustments made here — records are regrouped per partition (it flattens a fetch into
one tuple); they are read by our own code (its parser drops a record whose headers it cannot
decode); and a rebalance listener lets in-flight batches finish and commits their offsets
before the partitions go.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from itertools import chain, groupby
from typing import Annotated, Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaMessage, KafkaRouter
from faststream.kafka.message import FAKE_CONSUMER
from faststream.kafka.subscriber.usecase import BatchSubscriber
from pydantic import SkipValidation

from trainyard_common.contracts.base import Event
from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.logs import get_logger
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.delivery import Apply, Delivery, Record
from trainyard_common.metrics import MESSAGES_CONSUMED
from trainyard_common.tracing import consumer_spans

log = get_logger(__name__)

E = TypeVar("E", bound=Event)
U = TypeVar("U", bound=SqlUnitOfWork)
Handler = Callable[[E, U], Awaitable[None]]
BatchHandler = Callable[[Sequence[Delivered[E]], U], Awaitable[None]]

IDLE_WAIT_MS = 5000
"""How long a consumer with nothing buffered waits for records before it asks again. A record
fetched meanwhile ends the wait at once, so this adds no latency; it sets how often an idle
consumer wakes (``_next_batch``). A stopping service cancels the wait."""

GATHER_MS = 50
"""How old a batch's first record may grow while others join it: what keeps a moderate flow in
few transactions. A consumer that fell behind holds older records already and does not wait.
Measured without it (``bench/checkouts.py``, two runs each): 155 and 206 orders/s against 215
and 232 with FastStream's sleep, and 0.1 to 0.7 ms more CPU per order in customer-account and in
the gateway, whose consumers then ran a transaction per record or two.
With it: 275 and 245 orders/s, and less CPU per order than either."""

BROKER_WAIT_MS = 5000
"""How long the broker holds a fetch that finds no new record (Kafka's ``fetch.max.wait.ms``,
500 by default). A record produced meanwhile answers the fetch at once (``fetch.min.bytes`` is
1), so this too adds no latency to a record; it sets how many fetches every idle consumer makes,
each one a round trip parsed by the broker and by the service. The system runs ~60 consumers,
most of them idle at any moment, even under checkout load (only the orders' topics are busy).
Measured with everything started and no requests (20 s, every process's CPU from ``/proc``):
4.9 and 5.4 CPU-s in two runs with both waits at 1 s, 3.4 with both at 5 s; Kafka's share was
1.6 and 2.0 CPU-s, then 0.9."""


class DuplicateHandler(ValueError):
    """A second handler for one event type in one service: which one should run is unclear."""


class EventSubscriptions:
    def __init__(
        self,
        *,
        consumer_group: str,
        uow_factory: Callable[[], SqlUnitOfWork],
        delivery: Delivery,
        topic_prefix: str = "",
        batch_size: int = 5000,
        rebalance_wait_seconds: float = 10.0,
    ) -> None:
        self.consumer_group = consumer_group
        self._uow_factory = uow_factory
        self._delivery = delivery
        self._topic_prefix = topic_prefix
        self._batch_size = batch_size
        self._rebalance_wait_seconds = rebalance_wait_seconds
        self.topics: set[str] = set()
        self.router = KafkaRouter(prefix=topic_prefix)

    def group_id(self, event_type: type[Event]) -> str:
        """One Kafka consumer group per service and topic.

        FastStream gives every subscriber a consumer of its own; in one shared group, each
        subscriber joining or leaving would pause all the others for a rebalance. The group
        lives in the environment's namespace (prefix); the claims in processed_events keep the
        plain service name (the database is the environment's own).
        """
        return f"{self._topic_prefix}{self.consumer_group}.{event_type.topic()}"

    def handler(self, event_type: type[E]) -> Callable[[Handler[E, Any]], Handler[E, Any]]:
        """Register a handler of one event at a time (it runs inside the batch's transaction)."""

        def register(handler: Handler[E, Any]) -> Handler[E, Any]:
            self._subscribe(event_type, one_at_a_time(handler), handler)
            return handler

        return register

    def batch_handler(self, event_type: type[E]) -> Callable[[BatchHandler[E, Any]], BatchHandler[E, Any]]:
        """Register a handler of a whole partition batch (events in offset order, duplicates removed)."""

        def register(handler: BatchHandler[E, Any]) -> BatchHandler[E, Any]:
            self._subscribe(event_type, handler, handler)
            return handler

        return register

    def _subscribe(self, event_type: type[E], handler: BatchHandler[E, Any], declared: Callable[..., Any]) -> None:
        topic = event_type.topic()
        if topic in self.topics:
            raise DuplicateHandler(f"{self.consumer_group} has two handlers for {topic}: {declared.__qualname__}")
        self.topics.add(topic)
        listener = PartitionsHandOver(self._delivery, self._rebalance_wait_seconds)
        subscriber = self.router.subscriber(
            topic,
            batch=True,
            max_records=self._batch_size,
            batch_timeout_ms=IDLE_WAIT_MS,
            fetch_max_wait_ms=BROKER_WAIT_MS,
            group_id=self.group_id(event_type),
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            listener=listener,
            parser=_records_as_they_are,
            decoder=_nothing_to_decode,
            title=f"{self.consumer_group}:{topic}",
            description=declared.__doc__,
        )
        listener.consumer = lambda: subscriber.consumer
        subscriber.get_msg = functools.partial(_next_batch, max_records=self._batch_size)  # type: ignore[method-assign]
        subscriber(self._entry(event_type, handler, subscriber, declared))

    def _entry(
        self,
        event_type: type[E],
        handler: BatchHandler[E, Any],
        subscriber: BatchSubscriber,
        declared: Callable[..., Any],
    ) -> Callable[..., Awaitable[None]]:
        apply = self._transaction(event_type, handler)
        delivery = self._delivery

        async def entry(events: Any, message: KafkaMessage) -> None:  # noqa: ARG001  # see below
            consumer = subscriber.consumer
            if consumer is None:  # stopped meanwhile: the records are redelivered to whoever owns them next
                return
            assigned = consumer.assignment()
            # Partitions are independent: their transactions overlap (one waits on the database
            # while another runs); within a partition, batches stay in order.
            await asyncio.gather(
                *(
                    delivery.deliver(consumer, records, event_type, apply)
                    for partition, records in _per_partition(message.raw_message)
                    if partition in assigned  # revoked meanwhile: its new owner has them
                )
            )

        # FastStream documents the annotated payload in the AsyncAPI document: one event per
        # message. It would also validate the decoded body against it; it is told to skip that,
        # since each record is read and validated on its own (one bad record must not fail its
        # batch-mates), and the decoder hands it nothing.
        entry.__annotations__ = {
            "events": Annotated[event_type, SkipValidation],
            "message": KafkaMessage,
            "return": None,
        }
        entry.__name__ = declared.__name__
        entry.__doc__ = declared.__doc__
        return entry

    def _transaction(self, event_type: type[E], handler: BatchHandler[E, Any]) -> Apply:
        consumer_group = self.consumer_group
        uow_factory = self._uow_factory
        topic = self._topic_prefix + event_type.topic()

        async def apply(deliveries: Sequence[Delivered[Any]]) -> None:
            async with uow_factory() as uow:
                claimed = await uow.claim_events([d.event_id for d in deliveries], consumer_group)
                fresh = first_claims(deliveries, claimed)
                if fresh:
                    with consumer_spans(f"{topic} process", [d.trace_headers for d in fresh]) as spans:
                        traced = fresh if spans is None else list(map(_continued, fresh, spans))
                        uow.handling_batch = True
                        await handler(traced, uow)
                        uow.handling_batch = False
                        await uow.commit()
            MESSAGES_CONSUMED.labels(topic, "processed").inc(len(fresh))
            if len(fresh) < len(deliveries):
                log.info("duplicate events skipped", count=len(deliveries) - len(fresh))
                MESSAGES_CONSUMED.labels(topic, "duplicate").inc(len(deliveries) - len(fresh))

        return apply


def one_at_a_time(handler: Handler[E, U]) -> BatchHandler[E, U]:
    """A per-event handler run on each event of a batch in turn, in the batch's transaction.

    Each event is handled as it was alone: its id on the unit of work (an erasure receipt names
    it), its correlation id in the logs, its cause on what it emits.
    """

    @functools.wraps(handler)
    async def each(deliveries: Sequence[Delivered[E]], uow: U) -> None:
        for delivered in deliveries:
            uow.event_id = delivered.event_id
            uow.cause = delivered.cause
            bind_correlation_id(delivered.correlation_id)
            await handler(delivered.event, uow)

    return each


def _continued(delivered: Delivered[Any], span_headers: dict[str, str]) -> Delivered[Any]:
    return dataclasses.replace(delivered, trace_headers=span_headers)


def first_claims(deliveries: Sequence[Delivered[Any]], claimed: set[str]) -> list[Delivered[Any]]:
    """The deliveries whose id this transaction claimed, each id once, in their order."""
    fresh: list[Delivered[Any]] = []
    for delivered in deliveries:
        if delivered.event_id in claimed:
            claimed.discard(delivered.event_id)
            fresh.append(delivered)
    return fresh


class PartitionsHandOver(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Before partitions go to another consumer: the batch in flight finishes and its offsets are
    committed, so the new owner starts where this one stopped; lag gauges forget them.

    The wait is bounded (a batch stuck on a database outage must not stall the group): past
    it, the new owner may redeliver a batch this consumer still commits, and the claims in
    ``processed_events`` make the second application change nothing.
    """

    def __init__(self, delivery: Delivery, wait_seconds: float) -> None:
        self._delivery = delivery
        self._wait_seconds = wait_seconds
        self.consumer: Callable[[], AIOKafkaConsumer | None] = lambda: None

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        consumer = self.consumer()
        if consumer is None or not revoked:
            return
        if not await self._delivery.wait_idle(self._wait_seconds):
            log.warning("a batch is still in flight while partitions are revoked", partitions=str(revoked))
        await self._delivery.committer.hand_over(consumer, revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        """Nothing to do: the group's committed offsets say where to start."""


async def _next_batch(consumer: AIOKafkaConsumer, *, max_records: int) -> tuple[Record, ...]:
    """The next batch: waits up to ``IDLE_WAIT_MS`` for a first record, then gathers what else
    arrives until the oldest record is ``GATHER_MS`` old (at most ``max_records`` in all).

    Replaces FastStream's own, which waits ``batch_timeout_ms`` (50 ms) and, when nothing came,
    sleeps as long again: the system's ~60 idle consumers woke 1,200 times a second. That sleep
    was also what gathered records into one transaction at moderate rates; without it each
    record or two became a transaction of its own (``GATHER_MS``).
    """
    first = await consumer.getmany(timeout_ms=IDLE_WAIT_MS, max_records=max_records)
    found = list(chain.from_iterable(first.values()))
    if found and len(found) < max_records:
        # Kafka's timestamp is when the producer made the record: a consumer that fell behind
        # holds records older than GATHER_MS already and gathers no longer (clamped: clocks differ).
        oldest_age_ms = time.time() * 1000 - min(record.timestamp for record in found)
        gather_ms = min(max(GATHER_MS - oldest_age_ms, 0.0), GATHER_MS)
        if gather_ms:
            await asyncio.sleep(gather_ms / 1000)
        more = await consumer.getmany(timeout_ms=0, max_records=max_records - len(found))
        found.extend(chain.from_iterable(more.values()))
    return tuple(found)


def _per_partition(records: Sequence[Record]) -> list[tuple[TopicPartition, list[Record]]]:
    """FastStream's flattened fetch, regrouped per partition (each in offset order)."""
    ordered = sorted(records, key=lambda r: (r.topic, r.partition, r.offset))
    grouped = groupby(ordered, key=lambda r: (r.topic, r.partition))
    return [(TopicPartition(*key), list(group)) for key, group in grouped]


async def _records_as_they_are(records: tuple[Record, ...]) -> KafkaMessage:
    """The fetched records, unread (see ``trainyard_common.messaging.delivered``)."""
    # No consumer: FastStream's acknowledgement is off, offsets are committed by ours.
    return KafkaMessage(body=b"", headers={}, raw_message=records, consumer=FAKE_CONSUMER, message_id="")


async def _nothing_to_decode(message: KafkaMessage) -> None:  # noqa: ARG001  # FastStream's signature
    return None
