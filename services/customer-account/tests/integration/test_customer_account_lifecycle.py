"""Groups and automations, orders and access from events, export part, erasure and deletion."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from support.customers import ADMIN, Accounts

from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerGroupsChanged,
    CustomerProfileUpdated,
    OrderCompleted,
    OrderLine,
)
from trainyard_common.testing.in_process import wait_for
from trainyard_common.vocabulary import (
    AccessRevocationReason,
    DeletionDecision,
    ErasureKind,
    OrderSource,
    ServiceName,
)

pytestmark = pytest.mark.integration


def order_for(customer_id: str, total: str = "49.99") -> OrderCompleted:
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=uuid.UUID(customer_id),
        lines=[
            OrderLine(
                product_id=uuid.uuid4(),
                price_id=uuid.uuid4(),
                product_name="Data Literacy Essentials",
                quantity=1,
                unit_amount=Decimal(total),
                currency="USD",
            )
        ],
        total=Decimal(total),
        currency="USD",
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=datetime.now(UTC),
    )


async def order_history(accounts: Accounts, customer_id: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = (await accounts.http.get(f"/v1/customers/{customer_id}/order-history")).json()["items"]
        return len(found) >= count

    await wait_for(arrived)
    return found


async def test_domain_automation_puts_new_and_changed_customers_in_the_group(accounts: Accounts) -> None:
    domain = f"acme-{uuid.uuid4().hex[:8]}.example"
    made = await accounts.http.post(
        "/v1/groups", json={"name": f"Acme {domain}", "automation": {"email_domain": f"@{domain}"}}
    )
    assert made.status_code == 201, made.text
    group = made.json()
    assert group["automation"] == {"email_domain": domain}
    joined = await accounts.create(f"new@{domain}")
    assert [g["id"] for g in joined["groups"]] == [group["id"]]
    other = await accounts.create()
    assert other["groups"] == []
    moved = await accounts.http.patch(f"/v1/customers/{other['id']}", json={"email": f"Moved@{domain}"}, headers=ADMIN)
    assert moved.status_code == 200, moved.text
    assert moved.json()["email"] == f"moved@{domain}"
    assert [g["id"] for g in moved.json()["groups"]] == [group["id"]]
    changed = await accounts.published(CustomerGroupsChanged, other["id"])
    assert group["id"].encode() in changed[-1].value
    updated = await accounts.published(CustomerProfileUpdated, other["id"])
    assert b'"email"' in updated[-1].value
    listed = (await accounts.http.get("/v1/groups")).json()["items"]
    assert next(g for g in listed if g["id"] == group["id"])["members"] == 2

    cleared = await accounts.http.put(f"/v1/customers/{other['id']}/groups", json={"group_ids": []}, headers=ADMIN)
    assert cleared.json()["groups"] == []
    unknown = await accounts.http.put(
        f"/v1/customers/{other['id']}/groups", json={"group_ids": [str(uuid.uuid4())]}, headers=ADMIN
    )
    assert unknown.status_code == 422


async def test_an_email_taken_case_insensitively_is_a_conflict(accounts: Accounts) -> None:
    first = await accounts.create()
    again = await accounts.http.post(
        "/v1/customers",
        json={"first_name": "B", "last_name": "C", "email": first["email"].upper()},
        headers=ADMIN,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"
    cleared = await accounts.http.patch(f"/v1/customers/{first['id']}", json={"email": None}, headers=ADMIN)
    assert cleared.status_code == 422, "a required field cannot be cleared"
    kept = (await accounts.http.get(f"/v1/customers/{first['id']}")).json()
    assert kept["email"] == first["email"]


async def test_a_blank_password_is_generated_and_shown_once(accounts: Accounts) -> None:
    created = await accounts.create(password="")
    assert len(created["generated_password"]) >= 20
    assert (await accounts.sign_in(created["email"], created["generated_password"])).status_code == 201
    shown = (await accounts.http.get(f"/v1/customers/{created['id']}")).json()
    assert "generated_password" not in shown


async def test_an_order_lands_in_the_history_and_mails_a_confirmation(accounts: Accounts) -> None:
    customer = await accounts.create()
    event = order_for(customer["id"])
    await accounts.send(event)
    await accounts.send(event)  # a redelivery under a new event id: still one order, one e-mail
    history = await order_history(accounts, customer["id"], 1)
    assert [(h["order_id"], h["total"]) for h in history] == [(str(event.order_id), "49.99")]
    mail = await asyncio.to_thread(accounts.mailbox.wait_for, customer["email"])
    assert mail[0].subject == "Your order confirmation"
    assert "Data Literacy Essentials" in mail[0].body
    await asyncio.sleep(1)
    assert len(accounts.mailbox.to(customer["email"])) == 1


async def test_delete_is_refused_with_an_order_and_allowed_without(accounts: Accounts) -> None:
    buyer, idle = await accounts.create(), await accounts.create()
    await accounts.send(order_for(buyer["id"]))
    await order_history(accounts, buyer["id"], 1)
    refused = await accounts.http.delete(f"/v1/customers/{buyer['id']}")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "customer_has_orders"

    deleted = await accounts.http.delete(f"/v1/customers/{idle['id']}")
    assert deleted.status_code == 202
    assert deleted.headers["location"] == f"/api/v1/admin/customers/{idle['id']}/deletion"
    assert deleted.json()["deletion"]["state"] == "pending"
    assert await accounts.published(CustomerDeletionRequested, idle["id"])
    decision = CustomerDeletionDecided(
        customer_id=uuid.UUID(idle["id"]),
        request_event_id=uuid.uuid4(),
        decision=DeletionDecision.APPROVED,
        decided_at=datetime.now(UTC),
    )
    await accounts.send(decision)  # commerce-access's answer
    assert await accounts.published(CustomerDeleted, idle["id"])
    assert (await accounts.http.get(f"/v1/customers/{idle['id']}")).status_code == 404
    assert (await accounts.http.get(f"/v1/customers/{idle['id']}/deletion")).json()["state"] == "done"
    certificate = (await accounts.http.get(f"/v1/customers/{idle['id']}/erasure")).json()
    assert certificate["kind"] == "deleted"


async def test_delete_is_refused_while_access_is_held(accounts: Accounts) -> None:
    customer = await accounts.create()
    facts = {
        "access_id": uuid.uuid4(),
        "customer_id": uuid.UUID(customer["id"]),
        "product_id": uuid.uuid4(),
        "order_id": uuid.uuid4(),
        "starts_on": date.today(),
    }
    await accounts.send(AccessGranted(**facts, granted_at=datetime.now(UTC)))

    async def seen(active: bool) -> bool:
        rows = await accounts.rows("SELECT active FROM customer_access WHERE customer_id = :id", id=customer["id"])
        return rows == [{"active": active}]

    await wait_for(lambda: seen(True))
    reply = await accounts.http.delete(f"/v1/customers/{customer['id']}")
    assert reply.status_code == 409
    ended = {**facts, "starts_on": date.today() - timedelta(days=30), "ends_on": date.today() - timedelta(days=1)}
    await accounts.send(AccessExpired(**ended, expired_at=datetime.now(UTC)))
    await wait_for(lambda: seen(False))
    extended = {**ended, "ends_on": date.today() + timedelta(days=365)}
    changed = AccessChanged(
        **extended,
        previous_starts_on=ended["starts_on"],
        previous_ends_on=ended["ends_on"],
        changed_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    await accounts.send(changed)
    await wait_for(lambda: seen(True))  # an admin extended it: it counts again
    assert reply.json()["error"]["code"] == "customer_has_access"
    revoked = AccessRevoked(
        **extended, reason=AccessRevocationReason.ADMIN, revoked_at=datetime.now(UTC) + timedelta(seconds=2)
    )
    await accounts.send(revoked)

    await wait_for(lambda: seen(False))
    assert (await accounts.http.delete(f"/v1/customers/{customer['id']}")).status_code == 202


async def test_the_export_part_has_every_file_with_its_header(accounts: Accounts) -> None:
    customer = await accounts.create()
    await accounts.sign_in(customer["email"])
    part = (await accounts.http.get(f"/v1/customers/{customer['id']}/export")).json()
    files = {f["name"]: list(csv.reader(io.StringIO(f["content"]))) for f in part["files"]}
    assert set(files) == {"profile.csv", "groups.csv", "login_history.csv", "activity_log.csv", "order_history.csv"}
    assert files["profile.csv"][0][:4] == ["id", "first_name", "last_name", "email"]
    assert files["profile.csv"][1][3] == customer["email"]
    assert files["login_history.csv"][0] == ["at", "ip", "success"]
    assert len(files["login_history.csv"]) == 2
    assert files["order_history.csv"][0][0] == "order_id"
    assert len(files["order_history.csv"]) == 1, "no orders: the header alone"
    assert (await accounts.http.get(f"/v1/customers/{uuid.uuid4()}/export")).status_code == 404


async def test_erasure_needs_an_inactive_customer_then_clears_every_personal_field(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    customer = await accounts.create(first_name=f"Ada{tag}", last_name=f"Lovelace{tag}", organization=f"Engines {tag}")
    await accounts.sign_in(customer["email"])
    await accounts.send(order_for(customer["id"]))
    await order_history(accounts, customer["id"], 1)
    refused = await accounts.http.post(f"/v1/customers/{customer['id']}/erasure", headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "customer_not_inactive"

    await accounts.http.put(f"/v1/customers/{customer['id']}/status", json={"status": "inactive"}, headers=ADMIN)
    erased = await accounts.http.post(f"/v1/customers/{customer['id']}/erasure", headers=ADMIN)
    assert erased.status_code == 202, erased.text
    assert erased.json()["complete"] is False
    after = (await accounts.http.get(f"/v1/customers/{customer['id']}")).json()
    assert (after["first_name"], after["email"], after["organization"]) == (None, None, None)
    assert after["created_at"] == customer["created_at"]
    assert len(await order_history(accounts, customer["id"], 1)) == 1, "orders are kept"
    assert await accounts.published(CustomerErased, customer["id"])
    for value in (customer["email"], f"Ada{tag}", f"Lovelace{tag}", f"Engines {tag}"):
        assert await _found_anywhere(accounts, value) == [], value
    ips = await accounts.rows("SELECT ip FROM login_attempts WHERE customer_id = :id", id=customer["id"])
    assert ips == [{"ip": None}]

    erased_event_id = uuid.uuid4()
    for service in (ServiceName.CLIENT_DIRECTORY, ServiceName.COMMERCE_ACCESS, ServiceName.TRAINING_PROGRESS):
        receipt = CustomerErasureCompleted(
            customer_id=uuid.UUID(customer["id"]),
            service=service,
            request_event_id=erased_event_id,
            request_kind=ErasureKind.ERASED,
            completed_at=datetime.now(UTC),
        )
        await accounts.send(receipt)

    async def certified() -> bool:
        return bool((await accounts.http.get(f"/v1/customers/{customer['id']}/erasure")).json()["complete"])

    await wait_for(certified)
    again = await accounts.http.post(f"/v1/customers/{customer['id']}/erasure", headers=ADMIN)
    assert again.status_code == 409


async def _found_anywhere(accounts: Accounts, value: str) -> list[str]:
    """Every text-like column of every table of customer-account, searched for ``value``."""
    columns = await accounts.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
    )
    hits = []
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        found = await accounts.rows(
            f'SELECT 1 FROM "{table}" WHERE "{name}"::text ILIKE :v LIMIT 1',
            v=f"%{value}%",
        )
        if found:
            hits.append(f"{table}.{name}")
    return hits
