"""The events training-progress consumes."""

from __future__ import annotations

from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.projections.customers import keep_customer_projection


def register_handlers(subscriptions: EventSubscriptions) -> None:
    keep_customer_projection(subscriptions)
