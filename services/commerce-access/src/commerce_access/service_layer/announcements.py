"""Domain facts → the event contracts other services read (commerce.py in trainyard_common)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from commerce_access.domain.access import Access
from commerce_access.domain.codes import Invitation
from commerce_access.domain.orders import Order
from commerce_access.domain.products import TrainingItem
from trainyard_common.actors import current_acted_by
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    OrderCompleted,
    OrderLine,
    RegistrationCodeInvited,
    TrainingItemRef,
)
from trainyard_common.vocabulary import AccessRevocationReason, OrderSource, TrainingItemType


def training_item_ref(item: TrainingItem | None) -> TrainingItemRef | None:
    return TrainingItemRef(type=TrainingItemType(item.type), id=item.id) if item else None


def order_completed(order: Order) -> OrderCompleted:
    line = OrderLine(
        product_id=order.product_id,
        price_id=order.price_id,
        product_name=order.product_name,
        quantity=order.quantity,
        unit_amount=order.unit_amount,
        currency=order.currency,
    )
    return OrderCompleted(
        order_id=order.id,
        customer_id=order.customer_id,
        lines=[line],
        total=order.total,
        currency=order.currency,
        source=OrderSource(order.source.value),
        idempotency_key=order.idempotency_key,
        completed_at=order.completed_at,
        impersonated_by=order.impersonated_by,
        acted_by=current_acted_by(),
    )


def _facts(row: Access) -> dict[str, Any]:
    return {
        "access_id": row.id,
        "customer_id": row.customer_id,
        "product_id": row.product_id,
        "training_item": training_item_ref(row.training_item),
        "order_id": row.order_id,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "acted_by": current_acted_by(),  # the request's caller; the system for schedules and reactions
    }


def access_granted(row: Access, impersonated_by: str | None = None) -> AccessGranted:
    """``impersonated_by``: the admin whose order or redemption, made while impersonating, granted it."""
    return AccessGranted(
        **_facts(row),
        granted_at=row.granted_at,
        impersonated_by=impersonated_by,
        registration_code=row.registration_code,
    )


def access_changed(row: Access, previous: tuple[date, date | None], at: datetime) -> AccessChanged:
    return AccessChanged(**_facts(row), previous_starts_on=previous[0], previous_ends_on=previous[1], changed_at=at)


def access_revoked(row: Access) -> AccessRevoked:
    assert row.revoked_at is not None
    assert row.revoke_reason is not None
    return AccessRevoked(
        **_facts(row), reason=AccessRevocationReason(row.revoke_reason.value), revoked_at=row.revoked_at
    )


def access_expired(row: Access, at: datetime) -> AccessExpired:
    return AccessExpired(**_facts(row), expired_at=at)


def code_invited(invitation: Invitation, order: Order, sealed_email: str) -> RegistrationCodeInvited:
    """``sealed_email``: the invitee's address sealed with the purchaser's key (never in clear)."""
    return RegistrationCodeInvited(
        customer_id=invitation.invited_by,
        code=invitation.code,
        order_id=order.id,
        product_name=order.product_name,
        invitee_email=sealed_email,
        invited_at=invitation.invited_at,
        impersonated_by=invitation.impersonated_by,
    )
