"""Domain objects → the shared HTTP bodies (trainyard_common.api.commerce)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from commerce_access.domain.access import Access
from commerce_access.domain.orders import Order
from commerce_access.domain.products import Product
from commerce_access.service_layer.announcements import training_item_ref
from trainyard_common.api.commerce import (
    AccessPublic,
    CodePendingInvite,
    CodeRedeemer,
    OrderPublic,
    PricePublic,
    ProductPublic,
    RegistrationCodeState,
    RegistrationCodeUser,
)


def product_public(product: Product) -> ProductPublic:
    return ProductPublic(
        id=product.id,
        name=product.name,
        training_item=training_item_ref(product.training_item),
        access_days=product.access_days,
        prices=[PricePublic(price_id=p.price_id, amount=p.amount, currency=p.currency) for p in product.prices],
        created_at=product.created_at,
    )


def access_public(row: Access) -> AccessPublic:
    return AccessPublic(
        id=row.id,
        customer_id=row.customer_id,
        product_id=row.product_id,
        product_name=row.product_name,
        training_item=training_item_ref(row.training_item),
        order_id=row.order_id,
        registration_code=row.registration_code,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        status=row.status(datetime.now(UTC).date()),
        granted_at=row.granted_at,
        revoked_at=row.revoked_at,
        revoke_reason=row.revoke_reason.value if row.revoke_reason else None,
    )


def order_public(order: Order, codes: list[str], access: list[Access]) -> OrderPublic:
    return OrderPublic(
        id=order.id,
        customer_id=order.customer_id,
        source=order.source.value,
        product_id=order.product_id,
        product_name=order.product_name,
        price_id=order.price_id,
        quantity=order.quantity,
        unit_amount=order.unit_amount,
        total=order.total,
        currency=order.currency,
        access_days=order.access_days,
        completed_at=order.completed_at,
        registration_codes=codes,
        access=[access_public(a) for a in access],
    )


def code_user(row: dict[str, Any]) -> RegistrationCodeUser:
    return RegistrationCodeUser(**row)


def code_state(row: dict[str, Any]) -> RegistrationCodeState:
    """A code with its state; the invitation and the redeemer only where the state says so."""
    pending = row["state"] == "pending_invite"
    redeemed = row["state"] == "redeemed"
    return RegistrationCodeState(
        code=row["code"],
        order_id=row["order_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        state=row["state"],
        pending_invite=CodePendingInvite(email=row["invitee_email"], invited_at=row["invited_at"]) if pending else None,
        redeemed_by=CodeRedeemer(
            customer_id=row["redeemed_by"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            redeemed_at=row["redeemed_at"],
        )
        if redeemed
        else None,
    )
