"""Registering idempotent event handlers on a FastStream broker.

A service writes plain handlers ``async def on_x(event: X, uow: UoW) -> None`` and registers
them with ``subscriptions.handler(X)``. Around each one this module:
* parses the CloudEvents headers and binds the correlation id for logs and emitted events,
* opens the unit of work, claims the event id in ``processed_events`` (a duplicate is
  dropped), runs the handler and commits: effects, claim and emitted events in one transaction.
Retries, dead letters and offset commits are the ``DeliveryMiddleware``'s job.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaMessage, KafkaRouter

from trainyard_common.contracts.base import Event
from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.logs import get_logger
from trainyard_common.messaging.delivery import Delivery, DeliveryMiddleware
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.metrics import MESSAGES_CONSUMED

log = get_logger(__name__)

E = TypeVar("E", bound=Event)
U = TypeVar("U", bound=SqlUnitOfWork)
Handler = Callable[[E, U], Awaitable[None]]


class EventSubscriptions:
    def __init__(
        self,
        *,
        consumer_group: str,
        uow_factory: Callable[[], SqlUnitOfWork],
        delivery: Delivery,
        topic_prefix: str = "",
    ) -> None:
        self.consumer_group = consumer_group
        self._uow_factory = uow_factory
        self._topic_prefix = topic_prefix
        self.router = KafkaRouter(
            prefix=topic_prefix, middlewares=[functools.partial(DeliveryMiddleware, delivery=delivery)]
        )

    def group_id(self, event_type: type[Event]) -> str:
        """One Kafka consumer group per service and topic.

        FastStream gives every subscriber a consumer of its own; in one shared group, each
        subscriber joining or leaving would pause all the others for a rebalance. The group
        lives in the environment's namespace (prefix); the claims in processed_events keep the
        plain service name (the database is the environment's own).
        """
        return f"{self._topic_prefix}{self.consumer_group}.{event_type.topic()}"

    def handler(self, event_type: type[E]) -> Callable[[Handler[E, Any]], Handler[E, Any]]:
        def register(handler: Handler[E, Any]) -> Handler[E, Any]:
            entry = self._entry(event_type, handler)
            self.router.subscriber(
                event_type.topic(),
                group_id=self.group_id(event_type),
                ack_policy=AckPolicy.MANUAL,
                auto_offset_reset="earliest",
                title=f"{self.consumer_group}:{event_type.topic()}",
                description=handler.__doc__,
            )(entry)
            return handler

        return register

    def _entry(self, event_type: type[E], handler: Handler[E, Any]) -> Callable[..., Awaitable[None]]:
        consumer_group = self.consumer_group
        uow_factory = self._uow_factory

        async def entry(event: Any, message: Any) -> None:
            envelope = Envelope.from_headers(message.headers)
            bind_correlation_id(envelope.correlation_id)
            async with uow_factory() as uow:
                if not await uow.claim_event(envelope.event_id, consumer_group):
                    log.info("duplicate event skipped", event_id=envelope.event_id)
                    MESSAGES_CONSUMED.labels(message.raw_message.topic, "duplicate").inc()
                    return
                await handler(event, uow)
                await uow.commit()
            MESSAGES_CONSUMED.labels(message.raw_message.topic, "processed").inc()

        # FastStream validates the payload against, and documents, the annotated type;
        # ``KafkaMessage`` from faststream.kafka is Annotated with Context("message").
        entry.__annotations__ = {"event": event_type, "message": KafkaMessage, "return": None}
        entry.__name__ = handler.__name__
        entry.__doc__ = handler.__doc__
        return entry
