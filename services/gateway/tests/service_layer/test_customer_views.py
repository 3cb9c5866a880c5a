"""The customer view's use cases on the gateway's real unit of work and a throwaway database,
with the services faked at their client (no Kafka, no HTTP): events read the changed sections
back, a service that is down keeps its section and leaves a pending read that a later retry
completes, dependents are read again, erasure forgets for good, the page falls back to live
reads, and a rebuild equals the incrementally kept view."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import text

from gateway.adapters import customer_views as store
from gateway.bootstrap import MIGRATIONS
from gateway.domain.customer_view import ACCESS, ORDERS, SECTIONS, Noticed
from gateway.domain.replies import ServiceReply, ServiceUnavailable
from gateway.service_layer.customer_page import CustomerNotFound
from gateway.service_layer.customer_views import CustomerViews, ViewConfig, read_rows
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]


@dataclass
class FakeService:
    """One service: answers ``answers[path]`` (status, JSON), or cannot answer while ``down``."""

    name: str
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    down: bool = False
    calls: list[str] = field(default_factory=list)

    async def call(self, method: str, path: str, *, timeout_seconds: float | None = None) -> ServiceReply:
        self.calls.append(path)
        if self.down:
            raise ServiceUnavailable(self.name, "unreachable")
        path, _, query = path.partition("?")
        status, body = self.answers.get(path, (404, {"error": {"code": "not_found"}}))
        params = parse_qs(query)
        if path in ("/v1/orders", "/v1/access"):  # rows by id, whoever holds them
            ids = params.get("order_id", []) + params.get("access_id", [])
            kind = path.removeprefix("/v1")  # every customer's list of that kind
            lists = [answer["items"] for p, (_, answer) in self.answers.items() if p.endswith(kind) and p != path]
            found = [row for rows in lists for row in rows if row.get("id") in ids]
            return ServiceReply(200, json.dumps({"items": found, "total": len(found)}).encode(), "application/json")
        if path == "/v1/transcripts":  # many customers' sections at once, in their order
            sections = [self.answers[f"/v1/customers/{c}/transcript"][1] for c in params["customer_id"]]
            return ServiceReply(200, json.dumps({"items": sections}).encode(), "application/json")
        if status == 200 and query:  # a list, paged
            start = int(params.get("offset", ["0"])[0])
            body = {**body, "items": body["items"][start : start + int(params["limit"][0])]}
        return ServiceReply(status, json.dumps(body).encode(), "application/json")


@dataclass
class FakeServices:
    customer_account: FakeService = field(default_factory=lambda: FakeService("customer-account"))
    client_directory: FakeService = field(default_factory=lambda: FakeService("client-directory"))
    commerce_access: FakeService = field(default_factory=lambda: FakeService("commerce-access"))
    training_progress: FakeService = field(default_factory=lambda: FakeService("training-progress"))

    def all(self) -> tuple[FakeService, ...]:
        return (self.customer_account, self.client_directory, self.commerce_access, self.training_progress)

    def calls(self) -> int:
        return sum(len(s.calls) for s in self.all())

    def customer(self, customer_id: uuid.UUID, first_name: str = "Ada", orders: int = 0) -> None:
        """Every service knows the customer."""
        self.customer_account.answers[f"/v1/customers/{customer_id}"] = (
            200,
            {"id": str(customer_id), "first_name": first_name, "email": f"{customer_id}@example.com",
             "deletion": None, "deletable": orders == 0, "not_deletable_reasons": ["has_orders"] if orders else []},
        )  # fmt: skip
        self.client_directory.answers[f"/v1/learners/{customer_id}"] = (200, {"customer_id": str(customer_id)})
        self.commerce_access.answers[f"/v1/customers/{customer_id}/orders"] = (200, {"items": [{}] * orders})
        self.commerce_access.answers[f"/v1/customers/{customer_id}/access"] = (200, {"items": []})
        self.training_progress.answers[f"/v1/customers/{customer_id}/transcript"] = (200, {"items": []})
        listed = [{"id": c.rsplit("/", 1)[1]} for c in self.customer_account.answers if c.count("/") == 3]
        self.customer_account.answers["/v1/customers"] = (200, {"items": listed, "total": len(listed)})


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gwview"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


CONFIG = ViewConfig(recheck_seconds=0, retry_base_seconds=0, retry_max_seconds=0)


def views_on(uows: Uows, services: FakeServices, config: ViewConfig = CONFIG) -> CustomerViews:
    probe = uows()
    engine = probe._session_factory.kw["bind"]  # the factory's engine: the page reads through it
    return CustomerViews(engine, services, uows, config)


async def apply(views: CustomerViews, uows: Uows, *events: tuple[Any, ...]) -> None:
    async with uows() as uow:
        await views.apply_events(uow, [Noticed(*e) for e in events])
        await uow.commit()


async def stored(uows: Uows) -> dict[tuple[uuid.UUID, str], dict[str, Any]]:
    async with uows() as uow:
        return {(s.customer_id, s.section): json.loads(s.body) for s in await store.all_sections(uow.session)}


async def pending(uows: Uows) -> set[tuple[uuid.UUID, str]]:
    async with uows() as uow:
        rows = await uow.session.execute(text("SELECT customer_id, section FROM customer_view_pending"))
        return {(r[0], r[1]) for r in rows}


async def test_a_registration_builds_the_whole_page_and_the_page_is_then_read_from_the_view(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)

    await apply(views, uows, ("UserRegistered", customer))
    assert set(await stored(uows)) == {(customer, "profile")}
    assert await pending(uows) == {(customer, s) for s in SECTIONS if s != "profile"}
    await views.retry_pending()  # a moment later: what the other services did on hearing of them

    assert set(await stored(uows)) == {(customer, s) for s in SECTIONS}
    before = services.calls()
    page = json.loads(await views.page(customer))
    assert services.calls() == before, "the page makes no call to the services"
    assert page["customer_id"] == str(customer)
    assert page["profile"]["data"]["first_name"] == "Ada"
    assert all(page[s]["available"] and page[s]["as_of"] for s in SECTIONS)
    assert page["deletable"] is True


async def test_a_change_is_read_back_and_replaces_the_section(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    first = json.loads(await views.page(customer))

    services.customer(customer, first_name="Augusta", orders=1)
    await apply(views, uows, ("CustomerProfileUpdated", customer))
    page = json.loads(await views.page(customer))

    assert page["profile"]["data"]["first_name"] == "Augusta"
    assert page["profile"]["as_of"] > first["profile"]["as_of"]
    assert page["orders"] == first["orders"], "a profile change reads only the profile"


async def test_a_service_that_is_down_keeps_its_section_and_its_read_is_retried(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()  # the other sections, read a moment after the registration
    services.customer(customer, orders=2)
    services.commerce_access.down = True

    await apply(views, uows, ("OrderCompleted", customer), ("AccessGranted", customer))  # as a checkout announces
    page = json.loads(await views.page(customer))

    assert page["orders"]["available"]
    assert page["orders"]["data"] == {"items": []}, "the last good answer stays"
    assert {(customer, "orders"), (customer, "access")} <= await pending(uows)

    assert await views.retry_pending() >= 2  # still down: tried again, still pending
    assert {(customer, "orders"), (customer, "access")} <= await pending(uows)
    page = json.loads(await views.page(customer))
    assert page["profile"]["data"]["deletable"] is False, "what could be read was read"

    services.commerce_access.down = False
    await views.retry_pending()
    page = json.loads(await views.page(customer))
    assert page["orders"]["data"] == {"items": [{}, {}]}
    assert await pending(uows) == set()


async def test_a_dependent_section_is_read_again_a_moment_later(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()

    await apply(views, uows, ("AccessGranted", customer))  # training-progress has not caught up yet
    assert await pending(uows) == {(customer, "transcript"), (customer, "profile")}
    path = f"/v1/customers/{customer}/transcript"
    services.training_progress.answers[path] = (200, {"items": [{"item": "course"}]})  # now it has

    await views.retry_pending()
    page = json.loads(await views.page(customer))
    assert page["transcript"]["data"] == {"items": [{"item": "course"}]}
    assert await pending(uows) == set()


async def test_the_dependent_transcripts_of_many_customers_are_read_in_one_call(uows: Uows) -> None:
    services, customers = FakeServices(), [uuid.uuid4() for _ in range(3)]
    for c in customers:
        services.customer(c)
    views = views_on(uows, services)
    await apply(views, uows, *(("UserRegistered", c) for c in customers))
    await views.retry_pending()
    for i, c in enumerate(customers):
        services.training_progress.answers[f"/v1/customers/{c}/transcript"] = (200, {"items": [{"item": i}]})
    services.training_progress.calls.clear()

    await apply(views, uows, *(("AccessGranted", c) for c in customers))
    await views.retry_pending()

    assert [c.partition("?")[0] for c in services.training_progress.calls] == ["/v1/transcripts"]
    for i, c in enumerate(customers):
        page = json.loads(await views.page(c))
        assert page["transcript"]["data"] == {"items": [{"item": i}]}, "each customer's own transcript"
    assert await pending(uows) == set()

    services.training_progress.down = True
    await apply(views, uows, *(("AccessGranted", c) for c in customers))
    await views.retry_pending()
    assert {(c, "transcript") for c in customers} <= await pending(uows), "a failed call: each read retried"


async def test_a_section_read_a_moment_ago_is_read_once_later_for_all_the_events_meanwhile(uows: Uows) -> None:
    services, busy, quiet = FakeServices(), uuid.uuid4(), uuid.uuid4()
    services.customer(busy)
    views = views_on(uows, services, replace(CONFIG, throttle_seconds=30))
    await apply(views, uows, ("UserRegistered", busy))
    await views.retry_pending()  # every section read just now
    services.customer(busy, orders=2)
    calls = len(services.commerce_access.calls)

    await apply(views, uows, ("OrderCompleted", busy))
    await apply(views, uows, ("OrderCompleted", busy), ("AccessGranted", busy))

    assert len(services.commerce_access.calls) == calls, "read a moment ago: not read again per event"
    assert {(busy, ORDERS), (busy, ACCESS)} <= await pending(uows), "the read is kept, to be made later"
    async with uows() as uow:
        due = await uow.session.scalar(
            text("SELECT min(due_at) FROM customer_view_pending WHERE customer_id = :c AND section = 'orders'"),
            {"c": busy},
        )
    assert due > datetime.now(UTC) + timedelta(seconds=20), "due when the window ends"

    services.customer(quiet, orders=1)
    await apply(views, uows, ("OrderCompleted", quiet))
    page = json.loads(await views.page(quiet))
    assert page["orders"]["data"] == {"items": [{}]}, "a section not read lately is read at once"


async def test_an_erased_customers_view_goes_and_no_late_read_writes_it_back(uows: Uows) -> None:
    services, customer, other = FakeServices(), uuid.uuid4(), uuid.uuid4()
    services.customer(customer)
    services.customer(other)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer), ("UserRegistered", other))
    services.commerce_access.down = True
    await apply(views, uows, ("OrderCompleted", customer))  # a pending read of the customer

    await apply(views, uows, ("CustomerErased", customer))
    assert {c for c, _ in await stored(uows)} == {other}
    assert all(c == other for c, _ in await pending(uows))

    services.commerce_access.down = False
    await apply(views, uows, ("AccessGranted", customer), ("ProgressRecorded", customer))  # late events
    page = json.loads(await views.page(customer))  # answered live, as the services see it now
    assert page["profile"]["available"]
    assert {c for c, _ in await stored(uows)} == {other}, "nothing of the erased customer is stored again"


async def test_a_customer_the_view_has_not_seen_is_read_live_and_stored(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    services.training_progress.down = True
    views = views_on(uows, services)

    page = json.loads(await views.page(customer))

    assert page["profile"]["available"]
    assert page["profile"]["as_of"]
    assert page["transcript"] == {
        "available": False,
        "service": "training-progress",
        "data": None,
        "reason": "unreachable",
        "as_of": None,
    }
    assert set(await stored(uows)) == {(customer, s) for s in SECTIONS if s != "transcript"}
    assert await pending(uows) == {(customer, "transcript")}
    before = services.calls()
    await views.page(customer)
    assert services.calls() == before + 1, "only the missing section is read again"


async def test_an_unknown_customer_is_not_found_and_leaves_nothing(uows: Uows) -> None:
    views = views_on(uows, FakeServices())
    with pytest.raises(CustomerNotFound):
        await views.page(uuid.uuid4())
    assert await stored(uows) == {}
    assert await pending(uows) == set()


async def test_an_older_read_never_replaces_a_newer_one(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    async with uows() as uow:
        newest = next(s for s in await store.all_sections(uow.session) if s.section == "profile")
    older = store.StoredSection(customer, "profile", '{"stale":true}', "", newest.as_of.replace(year=2000))
    async with uows() as uow:
        await store.upsert(uow.session, [older])
        await uow.commit()
    assert (await stored(uows))[(customer, "profile")]["data"]["first_name"] == "Ada"


async def test_a_rebuilt_view_equals_the_incrementally_kept_one(uows: Uows, new_database: Callable[[str], str]) -> None:
    services, customers = FakeServices(), [uuid.uuid4() for _ in range(3)]
    for c in customers:
        services.customer(c)
    views = views_on(uows, services)
    await apply(views, uows, *(("UserRegistered", c) for c in customers))
    services.customer(customers[0], first_name="Changed", orders=1)
    await apply(views, uows, ("CustomerProfileUpdated", customers[0]), ("OrderCompleted", customers[0]))
    await views.retry_pending()

    async with units_of_work(new_database("gwrebuild"), GatewayUnitOfWork, MIGRATIONS) as fresh:
        assert await views_on(fresh, services).rebuild(page_size=2) == 3
        rebuilt = await stored(fresh)
    kept = await stored(uows)

    def without_as_of(view: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
        return {key: {k: v for k, v in body.items() if k != "as_of"} for key, body in view.items()}

    assert without_as_of(rebuilt) == without_as_of(kept)
    assert len(kept) == 3 * len(SECTIONS)


async def test_an_order_commerce_access_shows_hides_delete_before_customer_account_has_heard_of_it(
    uows: Uows,
) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    services.commerce_access.answers[f"/v1/customers/{customer}/orders"] = (200, {"items": [{}]})
    services.commerce_access.answers[f"/v1/customers/{customer}/access"] = (
        200,
        {"items": [{"status": "active"}]},
    )

    await apply(views, uows, ("OrderCompleted", customer), ("AccessGranted", customer))  # customer-account: deletable

    page = json.loads(await views.page(customer))
    assert page["profile"]["data"]["deletable"] is True, "customer-account's own answer is shown as it is"
    assert page["deletable"] is False
    assert page["not_deletable_reasons"] == ["has_orders", "has_access"]


def an_order(customer: uuid.UUID, minute: int) -> dict[str, Any]:
    at = f"2026-11-30T10:{minute:02d}:00Z"
    return {"id": str(uuid.uuid4()), "customer_id": str(customer), "completed_at": at, "access": []}


async def test_an_order_named_by_its_event_is_read_alone_and_taken_into_the_stored_history(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    first, second = an_order(customer, 0), an_order(customer, 1)
    history = f"/v1/customers/{customer}/orders"
    services.commerce_access.answers[history] = (200, {"items": [first], "total": 1})
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()  # the whole page is stored
    services.commerce_access.answers[history] = (200, {"items": [second, first], "total": 2})
    services.commerce_access.calls.clear()

    await apply(views, uows, Noticed("OrderCompleted", customer, order_id=uuid.UUID(second["id"])))

    assert services.commerce_access.calls == [f"/v1/orders?order_id={second['id']}"], "only the new order"
    assert (await stored(uows))[(customer, ORDERS)]["data"] == {"items": [second, first], "total": 2}
    assert json.loads(await views.page(customer))["not_deletable_reasons"] == ["has_orders"]


async def held_orders(uows: Uows, customer: uuid.UUID) -> int:
    async with uows() as uow:
        held = await uow.session.execute(
            text("SELECT count(*) FROM customer_view_items WHERE customer_id = :c AND section = 'orders'"),
            {"c": customer},
        )
        return int(held.scalar_one())


async def test_a_busy_learners_history_shows_its_newest_page_and_holds_at_most_two(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    orders = [an_order(customer, minute) for minute in range(59, 4, -1)]  # 55, newest first
    history = f"/v1/customers/{customer}/orders"
    services.commerce_access.answers[history] = (200, {"items": orders, "total": 55})
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()  # the first 50 are stored
    later = [{**an_order(customer, 0), "completed_at": f"2026-11-30T11:{m:02d}:00Z"} for m in range(52)]
    services.commerce_access.calls.clear()

    orders.insert(0, later[0])  # commerce-access lists it: the fake answers the rows it lists
    await apply(views, uows, Noticed("OrderCompleted", customer, order_id=uuid.UUID(later[0]["id"])))
    assert services.commerce_access.calls == [f"/v1/orders?order_id={later[0]['id']}"], "only the new order"
    assert (await stored(uows))[(customer, ORDERS)]["data"] == {"items": orders[:50], "total": 56}
    assert await held_orders(uows, customer) == 51

    orders[:0] = reversed(later[1:])
    await apply(views, uows, *(Noticed("OrderCompleted", customer, order_id=uuid.UUID(o["id"])) for o in later[1:]))
    assert json.loads(await views.page(customer))["orders"]["data"] == {"items": orders[:50], "total": 107}
    assert await held_orders(uows, customer) == 50, "past two pages, the rows off the page go"
    older = {**an_order(customer, 0), "completed_at": "2026-11-30T09:00:00Z"}  # counted in 107, or not?
    orders.append(older)
    services.commerce_access.calls.clear()
    await apply(views, uows, Noticed("OrderCompleted", customer, order_id=uuid.UUID(older["id"])))
    assert services.commerce_access.calls[-1] == f"{history}?limit=50", "read whole: the pruned page knows its oldest"


async def test_rows_of_a_section_not_stored_yet_read_it_whole_and_a_service_that_is_down_leaves_a_pending_read(
    uows: Uows,
) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    only = an_order(customer, 0)
    history = f"/v1/customers/{customer}/orders"
    services.commerce_access.answers[history] = (200, {"items": [only], "total": 1})
    views = views_on(uows, services)

    await apply(views, uows, Noticed("OrderCompleted", customer, order_id=uuid.UUID(only["id"])))
    assert services.commerce_access.calls == [f"{history}?limit=50"], "nothing stored to take the row into"
    assert (await stored(uows))[(customer, ORDERS)]["data"] == {"items": [only], "total": 1}

    services.commerce_access.down = True
    await apply(views, uows, Noticed("OrderCompleted", customer, order_id=uuid.uuid4()))
    assert (customer, ORDERS) in await pending(uows), "read whole once commerce-access is back"
    assert (await stored(uows))[(customer, ORDERS)]["data"] == {"items": [only], "total": 1}


async def test_the_rows_of_a_batchs_customers_are_read_in_one_call_and_each_goes_to_its_own_customer(
    uows: Uows,
) -> None:
    services = FakeServices()
    customers = [uuid.uuid4() for _ in range(3)]
    orders = {c: [an_order(c, 0)] for c in customers}
    for c in customers:
        services.customer(c)
        services.commerce_access.answers[f"/v1/customers/{c}/orders"] = (200, {"items": orders[c], "total": 1})
    views = views_on(uows, services)
    await apply(views, uows, *(("UserRegistered", c) for c in customers))
    await views.retry_pending()
    for c in customers:
        orders[c].insert(0, an_order(c, 1))
    services.commerce_access.calls.clear()

    await apply(views, uows, *(Noticed("OrderCompleted", c, order_id=uuid.UUID(orders[c][0]["id"])) for c in customers))

    (call,) = services.commerce_access.calls
    assert call.startswith("/v1/orders?")
    assert call.count("order_id=") == 3
    kept = await stored(uows)
    assert all(kept[(c, ORDERS)]["data"] == {"items": orders[c], "total": 2} for c in customers)


async def test_an_access_change_is_taken_into_the_access_list_and_into_its_order(uows: Uows) -> None:
    """The event names a row of each section (the access row, its order): each section's read
    asks for its own row."""
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)
    order = an_order(customer, 0)
    access = {"id": str(uuid.uuid4()), "customer_id": str(customer), "order_id": order["id"],
              "granted_at": order["completed_at"], "ends_on": "2027-11-29"}  # fmt: skip
    order["access"] = [access]
    services.commerce_access.answers[f"/v1/customers/{customer}/orders"] = (200, {"items": [order], "total": 1})
    services.commerce_access.answers[f"/v1/customers/{customer}/access"] = (200, {"items": [access], "total": 1})
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()  # the whole page is stored
    access["ends_on"] = None  # unlimited from now on; the order shows the same row

    await apply(
        views,
        uows,
        Noticed("AccessChanged", customer, order_id=uuid.UUID(order["id"]), access_id=uuid.UUID(access["id"])),
    )

    kept = await stored(uows)
    assert kept[(customer, ACCESS)]["data"]["items"][0]["ends_on"] is None
    assert kept[(customer, ORDERS)]["data"]["items"][0]["access"][0]["ends_on"] is None


async def test_an_order_reads_the_profile_again_only_until_it_says_the_customer_has_orders(uows: Uows) -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.customer(customer)  # no order yet: deletable
    views = views_on(uows, services)
    await apply(views, uows, ("UserRegistered", customer))
    await views.retry_pending()

    await apply(views, uows, ("OrderCompleted", customer))
    assert (customer, "profile") in await pending(uows), "customer-account's deletable changes with the first order"
    services.customer(customer, orders=1)
    await views.retry_pending()
    assert (await stored(uows))[(customer, "profile")]["data"]["not_deletable_reasons"] == ["has_orders"]

    await apply(views, uows, ("OrderCompleted", customer))
    assert (customer, "profile") not in await pending(uows), "a second order cannot change the profile"
    await apply(views, uows, ("AccessRevoked", customer))
    assert (customer, "profile") in await pending(uows), "ending access may"


async def test_rows_answered_without_their_customer_are_a_failed_read_not_a_failed_batch() -> None:
    services, customer = FakeServices(), uuid.uuid4()
    services.commerce_access.answers[f"/v1/customers/{customer}/orders"] = (200, {"items": [{"id": "o-1"}]})
    assert await read_rows(services, ORDERS, ["o-1"], 1.0) == "answered no list of rows with their customers"
    services.commerce_access.down = True
    assert await read_rows(services, ORDERS, ["o-1"], 1.0) == "unreachable"
