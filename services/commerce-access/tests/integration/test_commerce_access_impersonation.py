"""Issue 15, item 9 over commerce-access's HTTP API: the impersonating admin comes from the
gateway's signed token (never from the body) and is kept with the order and the redemption."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from trainyard_common.testing.service_auth import IMPERSONATED_BY_HEADER, LEARNER_HEADER

pytestmark = pytest.mark.integration

ADMIN = "imp-admin@trainyard"


async def test_checkout_and_redemption_under_impersonation_keep_the_admin(commerce: Any) -> None:
    price_id = (await commerce.product())["prices"][0]["price_id"]
    learner = uuid.uuid4()
    as_admin = {LEARNER_HEADER: str(learner), IMPERSONATED_BY_HEADER: ADMIN}

    bought = await commerce.http.post(
        f"/v1/learners/{learner}/orders", json={"price_id": price_id, "quantity": 2}, headers=as_admin
    )
    assert bought.status_code == 201, bought.text
    code = bought.json()["registration_codes"][0]
    redeemed = await commerce.http.post(f"/v1/learners/{learner}/registration-codes/{code}/redeem", headers=as_admin)
    assert redeemed.status_code == 201, redeemed.text

    assert await commerce.count("orders", "id = :id AND impersonated_by = :admin", id=bought.json()["id"], admin=ADMIN)
    assert await commerce.count("code_redemptions", "code = :code AND impersonated_by = :admin", code=code, admin=ADMIN)
