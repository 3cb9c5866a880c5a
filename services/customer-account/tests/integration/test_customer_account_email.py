"""The e-mail outbox: a message waits while the SMTP server is away and is delivered once when
it is back; a welcome e-mail leaves with the customer's creation, not before."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from support.customers import Accounts

from trainyard_common.contracts import OrderCompleted, OrderLine
from trainyard_common.testing.in_process import wait_for
from trainyard_common.vocabulary import OrderSource

pytestmark = pytest.mark.integration


def order_for(customer_id: str) -> OrderCompleted:
    line = OrderLine(
        product_id=uuid.uuid4(),
        price_id=uuid.uuid4(),
        product_name="Statistics 201",
        quantity=2,
        unit_amount=Decimal("5.00"),
        currency="EUR",
    )
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=uuid.UUID(customer_id),
        lines=[line],
        total=Decimal("10.00"),
        currency="EUR",
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=datetime.now(UTC),
    )


async def test_mail_waits_for_the_smtp_server_and_is_sent_once_when_it_returns(accounts: Accounts) -> None:
    customer = await accounts.create()
    accounts.mailbox.stop()
    try:
        await accounts.send(order_for(customer["id"]))

        async def failed_once() -> bool:
            rows = await accounts.rows(
                "SELECT attempts, last_error FROM email_outbox WHERE customer_id = :id", id=customer["id"]
            )
            return bool(rows) and rows[0]["attempts"] >= 1

        await wait_for(failed_once)
        assert accounts.mailbox.to(customer["email"]) == []
    finally:
        accounts.mailbox.start()
    mail = await asyncio.to_thread(accounts.mailbox.wait_for, customer["email"], 1, 30)
    assert "2 x Statistics 201: 5.00 EUR" in mail[0].body
    assert "Total: 10.00 EUR" in mail[0].body

    async def drained() -> bool:
        return not await accounts.rows("SELECT 1 FROM email_outbox WHERE customer_id = :id", id=customer["id"])

    await wait_for(drained)
    await asyncio.sleep(1.5)
    assert len(accounts.mailbox.to(customer["email"])) == 1, "delivered once"


async def test_an_admin_created_customer_gets_a_welcome_with_a_set_password_link(accounts: Accounts) -> None:
    created = await accounts.create(password="", send_welcome_email=True)
    (mail,) = await asyncio.to_thread(accounts.mailbox.wait_for, created["email"])
    assert created["generated_password"] not in mail.body, "never e-mailed (issue 15, item 16)"
    assert "/password-setup#token=" in mail.body
    assert mail.message["Message-ID"].startswith("<")
