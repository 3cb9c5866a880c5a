"""An anonymous order that creates the account (issue 17, item 1): "Customer accounts are created
when a user registers on the site, places an order, or when an admin creates them."

Nothing is half-applied where it can be avoided: the order is checked first (the price exists —
the quantity was checked by the body model), then the account is registered by customer-account's
own registration (password policy, e-mail uniqueness: 409 ``email_taken`` asking to sign in), the
new customer signed in, and the order placed as that learner with the client's Idempotency-Key.
Only the last step can fail after the account exists (commerce-access down or too slow): the
answer is then 503 ``order_not_placed`` and still carries the session, so the client retries the
order as a signed-in learner (with the same Idempotency-Key) instead of registering again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.domain.replies import ServiceReply, ServiceUnavailable

ORDER_NOT_PLACED = "order_not_placed"
EMAIL_TAKEN_MESSAGE = "This e-mail address already has an account: sign in, then place the order."


class Calls(Protocol):
    async def call(self, method: str, path: str, *, body: Any = None) -> ServiceReply: ...


@dataclass(frozen=True, slots=True)
class OrderWithAccount:
    customer: dict[str, Any]
    """The registration body: first_name, last_name, email, password (organization optional)."""
    order: dict[str, Any]
    """The checkout body for commerce-access: price_id, quantity, idempotency_key."""
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the gateway answers: a status and a JSON body (a service's own error body, or ours)."""

    status_code: int
    body: Any


def error(code: str, message: str, field: str | None = None, reason: str | None = None) -> dict[str, Any]:
    details = [{"field": field, "reason": reason}] if field else []
    return {"error": {"code": code, "message": message, "details": details}}


async def order_creating_account(
    customer_account: Calls,
    commerce_access: Calls,
    command: OrderWithAccount,
    act_as_learner: Callable[[uuid.UUID, str], None],
) -> Answer:
    """``act_as_learner(customer_id, token)``: later calls are made for the new learner."""
    refused = await _refused_before_account(customer_account, commerce_access, command)
    if refused is not None:
        return refused

    credentials = {"email": command.customer["email"], "password": command.customer["password"], "ip": command.ip}
    signed_in = await customer_account.call("POST", "/v1/sessions", body=credentials)
    if signed_in.status_code != 201:
        message = "The account was created but could not be signed in: sign in, then place the order."
        return Answer(503, error(ORDER_NOT_PLACED, message))
    session: dict[str, Any] = signed_in.json()
    customer_id = uuid.UUID(str(session["customer_id"]))

    act_as_learner(customer_id, str(session["access_token"]))
    try:
        placed: ServiceReply | None = await commerce_access.call(
            "POST", f"/v1/learners/{customer_id}/orders", body=command.order
        )
    except ServiceUnavailable:
        placed = None
    if placed is not None and placed.status_code in (200, 201):
        return Answer(201, {**session, "order": placed.json()})
    if placed is not None and placed.status_code < 500:  # a refusal: passed on, with the session
        return Answer(placed.status_code, {**placed.json(), "session": session})
    message = "The account was created and signed in, but the order was not placed: retry it with this session."
    return Answer(503, {**error(ORDER_NOT_PLACED, message), "session": session})


async def _refused_before_account(
    customer_account: Calls, commerce_access: Calls, command: OrderWithAccount
) -> Answer | None:
    """The price checked, then the account registered; an answer when either refuses (nothing is
    left behind: registration is the one write, and it is the last step here)."""
    price = await commerce_access.call("GET", f"/v1/prices/{command.order['price_id']}")
    if price.status_code == 404:
        return Answer(422, error("unknown_price", "No such price: nothing was created.", "price_id", "no such price"))
    if price.status_code != 200:
        return Answer(price.status_code, price.json())
    registered = await customer_account.call("POST", "/v1/registrations", body=command.customer)
    if registered.status_code == 409:
        return Answer(409, error("email_taken", EMAIL_TAKEN_MESSAGE, "customer.email", "already registered"))
    if registered.status_code != 201:
        return Answer(registered.status_code, registered.json())  # e.g. 422 weak_password: nothing created
    return None
