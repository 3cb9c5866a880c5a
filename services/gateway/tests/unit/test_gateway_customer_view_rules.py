"""The customer view's rules (which event refreshes which section), the page's bytes built from
stored section JSON, and the refresh after an admin's write. No infrastructure."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from gateway.domain.customer_view import (
    ACCESS,
    CLIENT,
    HAS_ACCESS,
    HAS_ORDERS,
    ORDERS,
    PROFILE,
    SECTIONS,
    TRANSCRIPT,
    WATCHED,
    HeldPage,
    Noticed,
    ReadThrottle,
    blocked,
    changes_of,
    deletion_blockers,
    listed,
    place,
    still_unsettled,
)
from gateway.entrypoints import events
from gateway.entrypoints.customer_view_writes import CustomerViewAfterWrites
from gateway.entrypoints.customer_views import CustomerDetails
from gateway.service_layer.customer_views import (
    NO_EXTRAS,
    assemble_page,
    list_head,
    list_tail,
    profile_extras,
    section_body,
)

A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_an_event_refreshes_what_its_publisher_changed_at_once() -> None:
    changes = changes_of([("CustomerProfileUpdated", A), ("LearnerAssignedToClient", B), ("ProgressRecorded", B)])
    assert changes.now == {(A, PROFILE), (B, CLIENT), (B, TRANSCRIPT)}
    assert changes.later == {(B, PROFILE)}  # customer-account keeps the learner's client, silently
    assert changes.forget == frozenset()


def test_what_another_service_changes_silently_is_read_a_moment_later() -> None:
    changes = changes_of([("AccessGranted", A)])
    assert changes.now == {(A, ACCESS)}
    assert changes.later == {(A, TRANSCRIPT)}
    assert changes.later_unless == {(A, PROFILE): {HAS_ACCESS}}  # customer-account's reason against deletion


def test_an_order_or_grant_reads_the_profile_again_only_while_it_lacks_the_reason_they_give() -> None:
    changes = changes_of([("OrderCompleted", A), ("AccessGranted", A), ("OrderCompleted", B)])
    assert changes.later_unless == {(A, PROFILE): {HAS_ORDERS, HAS_ACCESS}, (B, PROFILE): {HAS_ORDERS}}
    stored = {A: frozenset({HAS_ORDERS}), B: frozenset({HAS_ORDERS, HAS_ACCESS})}
    assert still_unsettled(changes.later_unless, stored) == {(A, PROFILE)}, "A's profile does not say has_access yet"
    assert still_unsettled(changes.later_unless, {}) == {(A, PROFILE), (B, PROFILE)}, "no profile stored"


def test_a_change_that_may_end_access_reads_the_profile_whatever_it_says() -> None:
    for event_type in ("AccessRevoked", "AccessExpired", "AccessChanged", "CustomerDeletionDecided"):
        changes = changes_of([("AccessGranted", A), (event_type, A)])
        assert (A, PROFILE) in changes.later, event_type
        assert changes.later_unless == {}, event_type


def test_an_order_reads_the_history_and_its_access_rows_announcement_the_access_list() -> None:
    assert changes_of([("OrderCompleted", A)]).now == {(A, ORDERS)}
    assert changes_of([("AccessGranted", A)]).now == {(A, ACCESS)}


def test_a_change_to_an_access_row_reads_the_order_history_that_shows_it_too() -> None:
    for event_type in ("AccessChanged", "AccessRevoked", "AccessExpired"):
        assert changes_of([(event_type, A)]).now == {(A, ACCESS), (A, ORDERS)}, event_type


O1, O2, R1 = uuid.UUID(int=11), uuid.UUID(int=12), uuid.UUID(int=21)


def test_an_event_that_names_its_order_or_access_row_has_just_that_row_taken_in() -> None:
    changes = changes_of([Noticed("OrderCompleted", A, order_id=O1), Noticed("AccessGranted", A, O1, R1)])
    assert changes.now == frozenset()
    assert changes.rows == {(A, ORDERS): {O1: True}, (A, ACCESS): {R1: True}}  # both may be new rows


def test_a_change_to_an_access_row_takes_in_that_row_and_its_order_but_adds_neither() -> None:
    for event_type in ("AccessChanged", "AccessRevoked", "AccessExpired"):
        changes = changes_of([Noticed(event_type, A, O1, R1)])
        assert changes.rows == {(A, ACCESS): {R1: False}, (A, ORDERS): {O1: False}}, event_type
    granted_then_revoked = changes_of([Noticed("AccessGranted", A, O1, R1), Noticed("AccessRevoked", A, O1, R1)])
    assert granted_then_revoked.rows[(A, ACCESS)] == {R1: True}


def test_a_section_read_whole_in_the_batch_takes_nothing_in_and_erasure_drops_the_rows() -> None:
    changes = changes_of([Noticed("OrderCompleted", A, O1), Noticed("ImportRowOrderSettled", A)])
    assert changes.now == {(A, ORDERS)}
    assert changes.rows == {}
    assert changes_of([Noticed("OrderCompleted", A, O1), Noticed("CustomerErased", A)]).rows == {}


def order(ident: int, minute: int, second: str = "00") -> dict[str, Any]:
    return {"id": str(uuid.UUID(int=ident)), "completed_at": f"2026-11-30T10:{minute:02d}:{second}Z", "n": 0}


def history(*orders: dict[str, Any], total: int | None = None) -> dict[str, Any]:
    return {"items": list(orders), "total": len(orders) if total is None else total}


def held(data: dict[str, Any]) -> HeldPage:
    """What the view holds after storing ``data`` (a read of the whole history)."""
    rows = listed(ORDERS, data)
    assert rows is not None
    oldest = rows.rows[-1].rank if rows.rows else None
    return HeldPage(frozenset(r.rank.id for r in rows.rows), oldest, len(rows.rows), rows.total)


def placed(data: dict[str, Any], fresh: list[dict[str, Any]], named: dict[object, bool]) -> dict[str, Any] | None:
    """The page shown after ``fresh`` is placed into ``data``: what the view's rows then list."""
    placement = place(ORDERS, held(data), fresh, named)
    if placement is None:
        return None
    rows = {str(i["id"]): i for i in data["items"]} | {r.rank.id: dict(r.data) for r in placement.rows}
    ranked = sorted(rows.values(), key=lambda i: str(i["id"]))
    ranked.sort(key=lambda i: datetime.fromisoformat(i["completed_at"]), reverse=True)
    return history(*ranked[:50], total=data["total"] + placement.added)


def test_a_new_order_goes_first_and_is_counted_and_a_listed_one_is_replaced() -> None:
    stored = history(order(2, 1), order(1, 0))
    new = order(3, 2)
    assert placed(stored, [new], {new["id"]: True}) == history(new, order(2, 1), order(1, 0))
    changed = {**order(1, 0), "n": 1}
    assert placed(stored, [changed], {changed["id"]: False}) == history(order(2, 1), changed)
    assert placed(stored, [changed], {changed["id"]: True}) == history(order(2, 1), changed), "a replay"


def test_rows_are_placed_as_the_service_lists_them_by_time_then_id_whatever_the_text_of_the_time() -> None:
    same_time, later_by_half = order(1, 5), order(9, 5, "00.5")  # "…:00Z" sorts after "…:00.5Z" as text
    stored = history(order(5, 5))
    got = placed(stored, [later_by_half, same_time], {later_by_half["id"]: True, same_time["id"]: True})
    assert got == history(later_by_half, same_time, order(5, 5))


def test_a_full_page_keeps_its_newest_and_a_row_that_may_be_beyond_it_is_read_whole() -> None:
    full = history(*(order(100 - m, m) for m in range(59, 9, -1)), total=70)  # 50 shown of 70
    newest = order(1, 59, "30")
    got = placed(full, [newest], {newest["id"]: True})
    assert got is not None
    assert (len(got["items"]), got["total"], got["items"][0], got["items"][-1]) == (50, 71, newest, order(89, 11))
    older = order(2, 0)  # after the page's last: counted in the 70 already, or not? (an imported order)
    assert placed(full, [older], {older["id"]: True}) is None
    assert placed(full, [older], {older["id"]: False}) == full, "a changed row off the page changes nothing"
    whole = history(*full["items"], total=50)  # every order is held: one not held is new, wherever listed
    assert placed(whole, [older], {older["id"]: True}) == history(*full["items"], total=51)


def test_a_row_the_service_does_not_list_for_the_customer_changes_nothing_and_no_list_is_read_whole() -> None:
    stored = history(order(1, 0))
    assert placed(stored, [], {str(O1): False}) == stored  # another purchaser's order
    assert place(ORDERS, held(stored), [{"id": str(O1)}], {str(O1): True}) is None, "a row without its time"
    assert listed(ACCESS, {"items": None, "total": 0}) is None
    assert listed(ACCESS, None) is None
    assert listed(ORDERS, {**history(order(1, 0)), "next": None}) is None, "a list with more than its rows"
    assert listed(ORDERS, history({"id": "not-a-uuid", "completed_at": "2026-11-30T10:00:00Z"})) is None


def test_a_new_customer_gets_every_section() -> None:
    changes = changes_of([("UserRegistered", A)])
    assert changes.now == {(A, PROFILE)}
    assert changes.later == {(A, s) for s in SECTIONS if s != PROFILE}


def test_erasure_and_deletion_forget_the_customer_and_drop_their_reads_in_the_batch() -> None:
    changes = changes_of([("OrderCompleted", A), ("CustomerErased", A), ("OrderCompleted", B), ("CustomerDeleted", B)])
    assert changes.forget == {A, B}
    assert changes.now == frozenset()
    assert changes.later == frozenset()


class Clock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def test_a_section_read_less_than_the_window_ago_is_deferred_and_a_quiet_one_is_read_at_once() -> None:
    clock = Clock()
    throttle: ReadThrottle[tuple[uuid.UUID, str]] = ReadThrottle(0.5, clock=clock)
    assert throttle.split([(A, ORDERS), (B, ORDERS)]) == ([(A, ORDERS), (B, ORDERS)], [])
    throttle.read([(A, ORDERS)])

    clock.seconds += 0.4
    assert throttle.split([(A, ORDERS), (A, ACCESS), (B, ORDERS)]) == ([(A, ACCESS), (B, ORDERS)], [(A, ORDERS)])
    clock.seconds += 0.2
    assert throttle.split([(A, ORDERS)]) == ([(A, ORDERS)], []), "the window has passed"


def test_a_throttle_without_a_window_defers_nothing() -> None:
    throttle: ReadThrottle[tuple[uuid.UUID, str]] = ReadThrottle(0.0, clock=Clock())
    throttle.read([(A, ORDERS)])
    assert throttle.split([(A, ORDERS)]) == ([(A, ORDERS)], [])


def test_the_throttle_forgets_reads_older_than_its_window() -> None:
    clock = Clock()
    throttle: ReadThrottle[int] = ReadThrottle(0.5, clock=clock)
    throttle.read(range(10_001))  # past the first bound, all recent: all kept, the bound doubles
    clock.seconds += 1
    throttle.read(range(10_001, 30_003))  # past the doubled bound: what is older than the window goes
    assert throttle.split([0, 30_002]) == ([0], [30_002])
    assert len(throttle._last_read) == 20_002


def test_an_event_the_view_does_not_follow_changes_nothing() -> None:
    changes = changes_of([("CustomerErasureCompleted", A), ("RegistrationCodeInvited", A)])
    assert (changes.now, changes.later, changes.forget) == (frozenset(), frozenset(), frozenset())


def test_the_gateway_subscribes_to_exactly_the_events_the_rules_name() -> None:
    assert sorted(e.__name__ for e in events.CONSUMED) == sorted(WATCHED)
    assert events.PUBLISHED == ()


def test_the_page_assembled_from_stored_json_is_a_valid_customer_details_body() -> None:
    as_of = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    profile = {
        "id": str(A),
        "email": "ada@example.com",
        "deletion": {"state": "refused", "reason": "has_orders", "requested_at": "2026-01-01T00:00:00+00:00"},
        "deletable": False,
        "not_deletable_reasons": ["has_orders"],
    }
    bodies = {name: section_body("svc", json.dumps({"n": name}).encode(), None, as_of) for name in SECTIONS}
    bodies[PROFILE] = section_body("customer-account", json.dumps(profile).encode(), None, as_of)
    bodies[TRANSCRIPT] = section_body("training-progress", None, "unreachable", None)
    raw = assemble_page(A, bodies, profile_extras(profile))

    page = json.loads(raw)
    details = CustomerDetails.model_validate_json(raw)
    assert json.loads(details.model_dump_json()) == page, "the same body the model would have written"
    assert page["profile"] == {
        "available": True,
        "service": "customer-account",
        "data": profile,
        "reason": None,
        "as_of": "2026-01-02T03:04:05.678000Z",
    }
    assert page["transcript"] == {
        "available": False,
        "service": "training-progress",
        "data": None,
        "reason": "unreachable",
        "as_of": None,
    }
    assert page["deletion"]["state"] == "refused"
    assert page["deletable"] is False
    assert page["not_deletable_reasons"] == ["has_orders"]


def test_a_list_stored_as_rows_joins_back_into_the_very_json_of_the_section() -> None:
    as_of = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    data = history(order(2, 1), order(1, 0), total=7)
    rows = listed(ORDERS, data)
    assert rows is not None
    joined = list_head("commerce-access") + ",".join(json.dumps(r.data, separators=(",", ":")) for r in rows.rows)
    joined += list_tail(rows.total, as_of)
    assert joined == section_body("commerce-access", json.dumps(data, separators=(",", ":")).encode(), None, as_of)
    empty = list_head("commerce-access") + list_tail(0, as_of)
    assert json.loads(empty)["data"] == {"items": [], "total": 0}


def test_a_profile_without_readable_deletion_fields_leaves_them_null() -> None:
    assert profile_extras({"deletion": {"state": "nonsense"}}) == NO_EXTRAS
    assert profile_extras("not an object") == NO_EXTRAS
    assert json.loads("{" + profile_extras({"deletable": True}) + "}") == {
        "deletion": None,
        "deletable": True,
        "not_deletable_reasons": None,
    }


class FakeViews:
    def __init__(self) -> None:
        self.refreshed: list[tuple[uuid.UUID, list[uuid.UUID]]] = []

    async def refresh(self, customer_id: uuid.UUID, others: Sequence[uuid.UUID] = ()) -> None:
        self.refreshed.append((customer_id, list(others)))


def _answering(status: int, body: dict[str, Any]) -> Callable[..., Any]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    return app


async def _request(views: FakeViews, method: str, path: str, status: int, body: dict[str, Any]) -> list[str]:
    sent: list[str] = []

    async def send(message: Message) -> None:
        sent.append(f"{message['type']} after {len(views.refreshed)} refreshes")

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    middleware = CustomerViewAfterWrites(_answering(status, body), views=lambda: views)  # type: ignore[arg-type]
    await middleware({"type": "http", "method": method, "path": path}, receive, send)
    return sent


async def test_an_admins_successful_write_on_a_customer_refreshes_the_view_before_answering() -> None:
    views = FakeViews()
    sent = await _request(views, "PATCH", f"/api/v1/admin/customers/{A}", 200, {"id": str(A)})
    assert views.refreshed == [(A, [])]
    assert sent == ["http.response.start after 1 refreshes", "http.response.body after 1 refreshes"]

    joined = await _request(
        views, "POST", f"/api/v1/admin/customers/{A}/registration-code-users/group", 200, {"joined": [str(B)]}
    )
    assert views.refreshed[-1] == (A, [B]), "the customers who joined: their profiles too"
    assert joined[0] == "http.response.start after 2 refreshes"


async def test_reads_refused_writes_and_other_paths_refresh_nothing() -> None:
    views = FakeViews()
    await _request(views, "GET", f"/api/v1/admin/customers/{A}", 200, {})
    await _request(views, "PATCH", f"/api/v1/admin/customers/{A}", 409, {})
    await _request(views, "POST", "/api/v1/admin/customers", 201, {"id": str(A)})
    await _request(views, "POST", "/api/v1/admin/customer-imports", 200, {})
    await _request(views, "PATCH", "/api/v1/learner/profile", 200, {})
    assert views.refreshed == []


def test_the_owners_orders_and_live_access_block_a_deletion_revoked_access_does_not() -> None:
    assert deletion_blockers(ORDERS, {"items": [{"id": "o"}], "total": 1}) == ["has_orders"]
    assert deletion_blockers(ORDERS, {"items": [], "total": 0}) == []
    assert deletion_blockers(ACCESS, {"items": [{"status": "upcoming"}]}) == ["has_access"]
    assert deletion_blockers(ACCESS, {"items": [{"status": "revoked"}, {"status": "expired"}]}) == []
    assert deletion_blockers(PROFILE, {"items": [{}]}) == []


def test_blockers_make_a_deletable_profile_not_deletable_and_leave_an_unavailable_one_alone() -> None:
    deletable = {"deletion": None, "deletable": True, "not_deletable_reasons": []}
    assert blocked(deletable, ["has_access", "has_orders"]) == {
        "deletion": None,
        "deletable": False,
        "not_deletable_reasons": ["has_orders", "has_access"],
    }
    assert blocked(deletable, []) == deletable
    unavailable = {"deletion": None, "deletable": None, "not_deletable_reasons": None}
    assert blocked(unavailable, ["has_orders"]) == unavailable
