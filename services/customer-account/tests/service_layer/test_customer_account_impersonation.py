"""Issue 15, item 9 in customer-account: an impersonation keeps the admin token it was started
with (the gateway honours it only while that token is live), and an order an admin placed while
impersonating lands in the customer's activity log under that admin."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customer_account.domain.sign_in import SignInPolicy
from customer_account.service_layer import sessions
from customer_account.service_layer.commerce import record_orders
from customer_account.service_layer.sessions import SessionConfig
from trainyard_common.contracts import OrderCompleted, OrderLine
from trainyard_common.vocabulary import OrderSource

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

CONFIG = SessionConfig(SignInPolicy(), ttl=timedelta(minutes=5), impersonation_ttl=timedelta(minutes=2))
ADMIN_TOKEN_HASH = hashlib.sha256(b"the admin's own token").hexdigest()


def order(customer_id: uuid.UUID, impersonated_by: str | None) -> OrderCompleted:
    line = OrderLine(
        product_id=uuid.uuid4(),
        price_id=uuid.uuid4(),
        product_name="Safety",
        quantity=1,
        unit_amount=Decimal("49.99"),
        currency="USD",
    )
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=customer_id,
        lines=[line],
        total=Decimal("49.99"),
        currency="USD",
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=datetime.now(UTC),
        impersonated_by=impersonated_by,
    )


async def test_an_impersonation_names_the_admin_token_it_was_started_with(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.impersonate(uows(), CONFIG, ada.id, "root@trainyard", ADMIN_TOKEN_HASH)

    found = await sessions.introspect(uows(), issued.token)

    assert found is not None
    assert (found.impersonated_by, found.admin_token_hash) == ("root@trainyard", ADMIN_TOKEN_HASH)


async def test_an_order_placed_while_impersonating_is_logged_under_the_admin_once(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    by_admin, by_herself = order(ada.id, "root@trainyard"), order(ada.id, None)
    for _ in range(2):  # a redelivery logs nothing more
        async with uows() as uow:
            await record_orders(uow, [by_admin, by_herself])
            await uow.commit()

    async with uows() as uow:
        activity, _ = await uow.activity.of_customer(ada.id, limit=100, offset=0)
    placed = [a for a in activity if a.type == "order_placed"]
    assert [(a.actor.label, a.actor.impersonated, a.details["order_id"]) for a in placed] == [
        ("root@trainyard (impersonating)", True, str(by_admin.order_id))
    ]


async def test_an_impersonated_order_of_a_customer_unknown_here_is_kept_without_a_log_entry(uows: Uows) -> None:
    stranger = order(uuid.uuid4(), "root@trainyard")
    async with uows() as uow:
        await record_orders(uow, [stranger])
        await uow.commit()
    async with uows() as uow:
        assert await uow.orders.has_orders(stranger.customer_id)
