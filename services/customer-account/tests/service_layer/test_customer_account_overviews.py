"""A customer's details and the admin list's page are each one statement: the customer with its
groups (by name), its deletion request and what blocks its deletion (an order, live access)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from sqlalchemy import text

from customer_account.domain.deletion import DeletionRequest, DeletionState
from customer_account.domain.orders import AccessState, SeenOrder
from customer_account.entrypoints.customers_http import get_customer, list_customers
from customer_account.service_layer.groups import create_group
from trainyard_common.api.customers import CustomerList
from trainyard_common.testing.statements import statements

from .conftest import Register, Uows, listed

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 1, tzinfo=UTC)


async def test_details_and_the_list_read_groups_deletion_and_blockers_in_one_statement(
    uows: Uows, register: Register
) -> None:
    full = await register("full@example.com")
    await register("bare@example.com")
    zulu, alpha = await create_group(uows(), "Zulu", None), await create_group(uows(), "Alpha", None)
    async with uows() as uow:
        await uow.groups.add_members([(full.id, zulu.id), (full.id, alpha.id)], AT)
        await uow.deletions.save(DeletionRequest(full.id, DeletionState.REFUSED, AT, "has_orders", AT))
        await uow.orders.add_new([SeenOrder(uuid.uuid4(), full.id, Decimal("9.99"), "USD", "checkout", [], AT)])
        await uow.access.set_all([AccessState(uuid.uuid4(), full.id, uuid.uuid4(), True, AT)])
        await uow.commit()

    with statements() as made:
        details = await get_customer(full.id, uows())
    assert len(made) == 1, made
    assert [(g.name, g.id) for g in details.groups] == [("Alpha", alpha.id), ("Zulu", zulu.id)]
    assert details.deletion is not None
    assert (details.deletion.state, details.deletion.reason) == ("refused", "has_orders")
    assert (details.deletable, details.not_deletable_reasons) == (False, ["has_orders", "has_access"])

    with statements() as made:
        response = await list_customers(uows(), search=None, status=None, group_id=None, limit=50, offset=0)
    assert len(made) == 1, made  # a short page is its own total
    page = CustomerList.model_validate_json(bytes(response.body))
    by_email = {c.email: c for c in page.items}
    assert by_email["full@example.com"] == details
    written = {item["email"]: item for item in orjson.loads(response.body)["items"]}
    assert written["full@example.com"] == orjson.loads(details.model_dump_json()), (
        "datetimes and ids as the same strings as pydantic writes them"
    )
    plain = by_email["bare@example.com"]
    assert (plain.groups, plain.deletion, plain.deletable, plain.not_deletable_reasons) == ([], None, True, [])
    assert page.total == 2


async def test_a_membership_carries_its_customers_creation_time_for_the_groups_page(
    uows: Uows, register: Register
) -> None:
    """``customer_groups.customer_created_at`` (the group's page reads it, newest first) is kept by
    the database: taken on insert, and moved along if the customer's creation time changes."""
    older, newer = await register("older@example.com"), await register("newer@example.com")
    group = await create_group(uows(), "Cohort", None)
    async with uows() as uow:
        await uow.groups.add_members([(older.id, group.id), (newer.id, group.id)], AT)
        await uow.commit()

    async def kept() -> dict[uuid.UUID, tuple[datetime, datetime]]:
        async with uows() as uow:
            rows = await uow.session.execute(
                text(
                    "SELECT c.id, c.created_at, m.customer_created_at FROM customer_groups m "
                    "JOIN customers c ON c.id = m.customer_id WHERE m.group_id = :g"
                ),
                {"g": group.id},
            )
            return {row[0]: (row[1], row[2]) for row in rows}

    assert all(created == copied for created, copied in (await kept()).values())
    async with uows() as uow:  # the older customer becomes the newest
        await uow.session.execute(
            text("UPDATE customers SET created_at = now() + interval '1 day' WHERE id = :id"), {"id": older.id}
        )
        await uow.commit()
    assert all(created == copied for created, copied in (await kept()).values())
    page = await listed(uows(), group_id=group.id, limit=50, offset=0)
    assert [c.email for c in page.items] == ["older@example.com", "newer@example.com"]
