"""Registration codes: multi-seat orders, one redemption at a time (also under parallel
requests), the purchaser's code users, and an admin removing a redemption."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from trainyard_common.contracts import AccessGranted, AccessRevoked, OrderCompleted
from trainyard_common.testing.sealed_events import registered

pytestmark = pytest.mark.integration


async def seats(commerce: Any, quantity: int) -> tuple[uuid.UUID, dict[str, Any]]:
    purchaser = uuid.uuid4()
    price_id = (await commerce.product(access_days=30))["prices"][0]["price_id"]
    response = await commerce.buy(purchaser, price_id, quantity=quantity)
    assert response.status_code == 201, response.text
    return purchaser, response.json()


def redeem(commerce: Any, code: str, learner: uuid.UUID) -> Any:
    return commerce.http.post(f"/v1/learners/{learner}/registration-codes/{code}/redeem")


async def test_several_seats_issue_that_many_codes_and_no_access(commerce: Any) -> None:
    purchaser, order = await seats(commerce, 3)
    assert len(set(order["registration_codes"])) == 3
    assert order["access"] == []
    assert order["total"] == "149.97"
    (completed,) = await commerce.published(OrderCompleted, purchaser)
    assert json.loads(completed.value)["lines"][0]["quantity"] == 3
    assert (await commerce.http.get(f"/v1/customers/{purchaser}/access")).json()["total"] == 0


async def test_ten_parallel_redemptions_of_one_code_exactly_one_succeeds(commerce: Any) -> None:
    _, order = await seats(commerce, 2)
    code = order["registration_codes"][0]
    learners = [uuid.uuid4() for _ in range(10)]
    replies = await asyncio.gather(*(redeem(commerce, code, learner) for learner in learners))
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [201] + [409] * 9, [r.text for r in replies]
    assert {r.json()["error"]["code"] for r in replies if r.status_code == 409} == {"code_already_redeemed"}
    assert await commerce.count("code_redemptions", "code = :c", c=code) == 1
    assert await commerce.count("access", "registration_code = :c", c=code) == 1


async def test_redeeming_lists_the_user_and_removing_returns_the_code(commerce: Any) -> None:
    purchaser, order = await seats(commerce, 2)
    code = order["registration_codes"][0]
    grace = uuid.uuid4()
    await commerce.send(
        registered(
            grace,
            f"grace-{grace.hex[:6]}@example.com",
            first_name="Grace",
            last_name="Hopper",
            registered_at=datetime(2025, 3, 1, tzinfo=UTC),
        )
    )

    async def known() -> bool:
        return bool(await commerce.count("customers", "customer_id = :c", c=grace))

    await commerce.wait(known)
    taken = await redeem(commerce, code.lower(), grace)  # codes are read case-insensitively
    assert taken.status_code == 201, taken.text
    access_id = taken.json()["access"]["id"]
    assert (await redeem(commerce, code, grace)).status_code == 200  # a retry by the holder
    (granted,) = await commerce.published(AccessGranted, grace)
    assert json.loads(granted.value)["order_id"] == order["id"]

    users = (await commerce.http.get(f"/v1/customers/{purchaser}/registration-code-users")).json()
    assert [(u["code"], u["customer_id"], u["first_name"]) for u in users["items"]] == [(code, str(grace), "Grace")]

    removed = await commerce.http.delete(f"/v1/registration-codes/{code}/redemption")
    assert removed.status_code == 200, removed.text
    assert (removed.json()["id"], removed.json()["status"]) == (access_id, "revoked")
    (revoked,) = await commerce.published(AccessRevoked, grace)
    assert json.loads(revoked.value)["reason"] == "registration_code_removed"
    assert (await commerce.http.get(f"/v1/customers/{purchaser}/registration-code-users")).json()["total"] == 0

    again = await commerce.http.delete(f"/v1/registration-codes/{code}/redemption")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "code_not_redeemed"
    someone_else = uuid.uuid4()
    assert (await redeem(commerce, code, someone_else)).status_code == 201  # free again


async def test_unknown_or_taken_codes_are_refused_and_nothing_is_written(commerce: Any) -> None:
    _, order = await seats(commerce, 2)
    code = order["registration_codes"][1]
    assert (await redeem(commerce, code, uuid.uuid4())).status_code == 201
    late = uuid.uuid4()
    taken = await redeem(commerce, code, late)
    unknown = await redeem(commerce, "ZZZZ-ZZZZ-ZZZZ", late)
    malformed = await redeem(commerce, "no spaces allowed!", late)
    assert (taken.status_code, unknown.status_code, malformed.status_code) == (409, 404, 422)
    assert unknown.json()["error"]["code"] == "not_found"
    assert await commerce.count("access", "customer_id = :c", c=late) == 0
    assert await commerce.count("outbox", "message_key = :c", c=str(late)) == 0
    assert (await commerce.http.delete("/v1/registration-codes/ZZZZ-ZZZZ-ZZZZ/redemption")).status_code == 404
