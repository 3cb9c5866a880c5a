"""Issue 17, item 1: an anonymous order creates the account — the order is checked before the
account exists, an existing e-mail is 409 asking to sign in, and an order that fails after the
account exists answers 503 with the session (fake services, no HTTP)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from gateway.domain.replies import ServiceReply, ServiceUnavailable
from gateway.service_layer.order_account import OrderWithAccount, order_creating_account

CUSTOMER_ID = uuid.uuid4()
PRICE_ID = uuid.uuid4()
SESSION = {
    "access_token": "tok",
    "token_type": "bearer",
    "expires_in": 3600,
    "customer_id": str(CUSTOMER_ID),
    "password_change_required": False,
}
ORDER = {"id": str(uuid.uuid4()), "customer_id": str(CUSTOMER_ID)}


def reply(status: int, body: Any) -> ServiceReply:
    return ServiceReply(status, json.dumps(body).encode(), "application/json")


class Fake:
    def __init__(self, answers: dict[tuple[str, str], ServiceReply | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, Any]] = []

    async def call(self, method: str, path: str, *, body: Any = None) -> ServiceReply:
        self.calls.append((method, path, body))
        answer = self.answers[(method, path)]
        if isinstance(answer, Exception):
            raise answer
        return answer


def services(price: ServiceReply, registration: ServiceReply, order: ServiceReply | Exception) -> tuple[Fake, Fake]:
    accounts = Fake(
        {
            ("POST", "/v1/registrations"): registration,
            ("POST", "/v1/sessions"): reply(201, SESSION),
        }
    )
    commerce = Fake(
        {
            ("GET", f"/v1/prices/{PRICE_ID}"): price,
            ("POST", f"/v1/learners/{CUSTOMER_ID}/orders"): order,
        }
    )
    return accounts, commerce


COMMAND = OrderWithAccount(
    customer={"first_name": "Ada", "last_name": "L", "email": "ada@example.com", "password": "long enough pw"},
    order={"price_id": str(PRICE_ID), "quantity": 1, "idempotency_key": "k1"},
    ip="10.0.0.1",
)
PRICE_OK = reply(200, {"price_id": str(PRICE_ID), "amount": "10.00", "currency": "USD"})
REGISTERED = reply(201, {"id": str(CUSTOMER_ID)})


async def test_the_account_is_created_signed_in_and_the_order_placed_as_the_learner() -> None:
    accounts, commerce = services(PRICE_OK, REGISTERED, reply(201, ORDER))
    acted: list[tuple[uuid.UUID, str]] = []

    answer = await order_creating_account(accounts, commerce, COMMAND, lambda c, t: acted.append((c, t)))

    assert answer.status_code == 201
    assert answer.body == {**SESSION, "order": ORDER}
    assert acted == [(CUSTOMER_ID, "tok")]
    assert [c[1] for c in accounts.calls] == ["/v1/registrations", "/v1/sessions"]
    assert accounts.calls[1][2]["ip"] == "10.0.0.1"
    assert commerce.calls[-1][2] == COMMAND.order, "the Idempotency-Key goes with the order"


async def test_an_unknown_price_is_refused_before_any_account() -> None:
    accounts, commerce = services(reply(404, {}), REGISTERED, reply(201, ORDER))

    answer = await order_creating_account(accounts, commerce, COMMAND, lambda c, t: None)

    assert answer.status_code == 422
    assert answer.body["error"]["code"] == "unknown_price"
    assert accounts.calls == []


@pytest.mark.parametrize("status", [409, 422])
async def test_a_refused_registration_places_no_order(status: int) -> None:
    refusal = reply(status, {"error": {"code": "email_taken" if status == 409 else "weak_password"}})
    accounts, commerce = services(PRICE_OK, refusal, reply(201, ORDER))

    answer = await order_creating_account(accounts, commerce, COMMAND, lambda c, t: None)

    assert answer.status_code == status
    assert [c[0] for c in commerce.calls] == ["GET"], "no order"
    if status == 409:
        assert answer.body["error"]["code"] == "email_taken"
        assert "sign in" in answer.body["error"]["message"]


async def test_an_order_failing_after_the_account_exists_answers_503_with_the_session() -> None:
    accounts, commerce = services(PRICE_OK, REGISTERED, ServiceUnavailable("commerce_access", "down"))

    answer = await order_creating_account(accounts, commerce, COMMAND, lambda c, t: None)

    assert answer.status_code == 503
    assert answer.body["error"]["code"] == "order_not_placed"
    assert answer.body["session"] == SESSION
