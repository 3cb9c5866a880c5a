"""Issue 17, item 1: the price read the gateway makes before an anonymous order creates the account."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


async def test_a_price_is_read_by_id_and_an_unknown_one_is_404(commerce: Any) -> None:
    product = await commerce.product(amount="12.50")
    price_id = product["prices"][0]["price_id"]

    found = await commerce.http.get(f"/v1/prices/{price_id}")
    missing = await commerce.http.get(f"/v1/prices/{uuid.uuid4()}")

    assert found.status_code == 200, found.text
    assert found.json() == {"price_id": price_id, "amount": "12.50", "currency": "USD"}
    assert missing.status_code == 404
