"""Customer Details in Chromium, the rest (issue 19, seed 001): the Customer Transcript tab (Edit with
status, completion date and time, score and attendance; Add Completion; View Responses; Quiz
Submissions with Remove), the Content Access tab (full history, Edit dates), Customer Groups (tiles
removed and added, Save), Assign Product (a zero-dollar order) and Order History with its details."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from browser.helpers import new_customer, sign_in
from playwright.sync_api import Page, expect
from support.customers import eventually
from support.training import create_item

from trainyard_common.testing.system import System

ADMIN_API = "/api/v1/admin"


def _product(admin: httpx.Client, item: dict[str, Any] | None = None, amount: str = "25.00") -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Product {uuid.uuid4().hex[:8]}",
        "prices": [{"amount": amount, "currency": "USD"}],
    }
    if item is not None:
        body["training_item"] = {"type": item["type"], "id": item["id"]}
    created = admin.post(f"{ADMIN_API}/products", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _assign(admin: httpx.Client, customer_id: str, product: dict[str, Any]) -> dict[str, Any]:
    price = product["prices"][0]["price_id"]
    done = admin.post(f"{ADMIN_API}/customers/{customer_id}/product-assignments", json={"price_id": price})
    assert done.status_code == 201, done.text
    return dict(done.json())


def _transcript(admin: httpx.Client, customer_id: str) -> dict[str, dict[str, Any]]:
    answer = admin.get(f"{ADMIN_API}/customers/{customer_id}/transcript")
    assert answer.status_code == 200, answer.text
    return {i["item_id"]: i for i in answer.json()["items"]}


def test_transcript_edit_attendance_add_completion_responses_and_remove_a_submission(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    quiz = create_item(
        admin,
        "/modules",
        kind="quiz",
        quiz={"questions": [{"text": "Two plus two?", "choices": ["3", "4"], "correct": [1]}], "pass_mark": "100"},
    )
    event = create_item(admin, "/modules", kind="in_person", date="2025-03-20", place="Room 4, Leeds")
    for item in (quiz, event):
        _assign(admin, customer["id"], _product(admin, item))
    shown = eventually(lambda: {quiz["id"], event["id"]} <= set(_transcript(admin, customer["id"])))
    assert shown, "the items never reached the customer's transcript"

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("link", name="Customer Transcript").click()
    expect(page.get_by_role("heading", name="Customer Transcript")).to_be_visible()
    event_row = page.locator(f"tr[data-item='{event['id']}']")
    expect(event_row).to_contain_text(event["name"])
    expect(event_row.get_by_test_id("item-status")).to_have_text("not started")
    expect(event_row).to_contain_text("active")

    # Edit the in-person module: attended, with its completion date and time and a score.
    event_row.get_by_role("link", name="Edit").click()
    page.get_by_label("Attended").select_option("yes")
    page.get_by_label("Completion date").fill("2025-03-21")
    page.get_by_label("Completion time (UTC)").fill("14:30")
    page.get_by_label("Score").fill("87")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Transcript item updated.")
    expect(event_row.get_by_test_id("item-status")).to_have_text("completed")
    stored = _transcript(admin, customer["id"])[event["id"]]
    assert stored["status"] == "completed"
    assert stored["completed_at"].startswith("2025-03-21T14:30:00")
    assert float(stored["score"]) == 87

    # A score the API refuses: its reason is shown next to the field, nothing changes.
    event_row.get_by_role("link", name="Edit").click()
    page.get_by_label("Score").fill("250")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#score-error")).to_be_visible()
    assert float(_transcript(admin, customer["id"])[event["id"]]["score"]) == 87

    # Add Completion on the quiz (passed), then its responses and submissions.
    page.goto(f"{base}/admin/customers/{customer['id']}/transcript")
    quiz_row = page.locator(f"tr[data-item='{quiz['id']}']")
    quiz_row.get_by_role("link", name="Add Completion").click()
    page.get_by_label("Quiz status").select_option("passed")
    page.get_by_label("Submission date").fill("2025-04-02")
    page.get_by_label("Submission time (UTC)").fill("09:15")
    page.get_by_label("Quiz score").fill("100")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Quiz completion added.")
    expect(quiz_row.get_by_test_id("item-status")).to_have_text("completed")

    quiz_row.get_by_role("link", name="View Responses").click()
    expect(page.get_by_test_id("submission")).to_have_count(1)
    expect(page.get_by_test_id("submission")).to_contain_text("Two plus two?")
    expect(page.get_by_test_id("submission")).to_contain_text("passed (admin)")

    page.get_by_role("link", name="Customer Transcript").click()
    page.locator(f"tr[data-item='{quiz['id']}']").get_by_role("link", name="Quiz Submissions").click()
    expect(page.get_by_test_id("submissions")).to_contain_text("2025-04-02")
    page.get_by_test_id("submissions").get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove submission")).to_be_visible()  # a confirmation first
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Submission removed.")
    expect(page.get_by_test_id("submissions")).to_have_count(0)
    left = admin.get(f"{ADMIN_API}/customers/{customer['id']}/quiz-submissions", params={"quiz_id": quiz["id"]})
    assert left.json()["total"] == 0


def test_content_access_lists_the_history_and_edits_dates(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    product = _product(admin)
    _assign(admin, customer["id"], product)
    _assign(admin, customer["id"], product)  # two rows for one product: the full history

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("link", name="Content Access").click()
    rows = page.get_by_test_id("access").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(product["name"])

    rows.first.get_by_role("link", name="Edit").click()
    page.get_by_label("Start Date").fill("2025-01-01")
    page.get_by_label("End Date").fill("2025-12-31")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Access dates updated.")
    expect(page.get_by_test_id("access")).to_contain_text("2025-12-31")
    found = admin.get(f"{ADMIN_API}/customers/{customer['id']}/access").json()["items"]
    assert ("2025-01-01", "2025-12-31") in [(r["starts_on"], r["ends_on"]) for r in found]

    # An end before the start: the API's refusal is shown on the edit page.
    page.get_by_test_id("access").locator("tbody tr").first.get_by_role("link", name="Edit").click()
    page.get_by_label("Start Date").fill("2025-06-01")
    page.get_by_label("End Date").fill("2025-05-01")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_groups_are_removed_and_added_then_saved(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    first, second = (
        admin.post(f"{ADMIN_API}/groups", json={"name": f"{n} {uuid.uuid4().hex[:6]}"}).json()
        for n in ("Alpha", "Beta")
    )
    put = admin.put(f"{ADMIN_API}/customers/{customer['id']}/groups", json={"group_ids": [first["id"]]})
    assert put.status_code < 300, put.text

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    expect(page.get_by_test_id("group-tile")).to_have_text([f"{first['name']} ✕"])
    page.get_by_label(f"Keep {first['name']} (untick to remove)").uncheck()
    page.get_by_label("Add group").select_option(label=second["name"])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Groups saved.")
    expect(page.get_by_test_id("group-tile")).to_have_text([f"{second['name']} ✕"])
    groups = admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]["groups"]
    assert [g["id"] for g in groups] == [second["id"]]


def test_assign_product_makes_a_zero_dollar_order_shown_in_order_history(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    product = _product(admin, amount="49.99")

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("button", name="Assign Product").click()  # nothing picked: the reason, nothing done
    expect(page.locator("#price_id-error")).to_be_visible()
    page.get_by_label("Product", exact=True).select_option(label=f"{product['name']} — 49.99 USD")
    page.get_by_role("button", name="Assign Product").click()
    expect(page.get_by_role("status")).to_have_text("Product assigned: a zero-dollar order was completed.")

    page.get_by_role("link", name="Order History").first.click()
    orders = page.get_by_test_id("orders")
    expect(orders).to_contain_text(product["name"])
    orders.get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", name="Order Details")).to_be_visible()
    expect(page.get_by_test_id("order-total")).to_contain_text("0")
    found = admin.get(f"{ADMIN_API}/customers/{customer['id']}/orders").json()
    assert [(o["product_name"], float(o["total"])) for o in found["items"]] == [(product["name"], 0.0)]


def test_a_viewer_sees_the_tabs_without_write_controls(
    page: Page, system: System, admin: httpx.Client, viewer: tuple[str, str]
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    _assign(admin, customer["id"], _product(admin))
    sign_in(page, base, *viewer)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    expect(page.get_by_role("button", name="Assign Product")).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    page.get_by_role("link", name="Content Access").click()
    expect(page.get_by_test_id("access").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)


def test_delete_user_shows_only_when_deletable_and_its_outcome(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    buyer, customer = new_customer(admin), new_customer(admin)
    _assign(admin, buyer["id"], _product(admin))
    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{buyer['id']}")
    expect(page.get_by_role("link", name="Delete User")).to_have_count(0)  # an order and access

    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("link", name="Delete User").click()
    expect(page.get_by_role("heading", name="Delete User")).to_be_visible()  # a confirmation first
    page.get_by_role("button", name="OK, delete the user").click()
    expect(page.get_by_test_id("deletion-state")).to_contain_text("Deletion")

    def done() -> bool:
        page.reload()
        return page.get_by_test_id("deletion-state").inner_text().strip() == "Deletion done"

    assert eventually(done), page.get_by_test_id("deletion-state").inner_text()
    assert admin.get(f"{ADMIN_API}/customers/{customer['id']}/deletion").json()["state"] == "done"


def test_erase_customer_data_only_when_inactive_after_a_confirmation(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    expect(page.get_by_role("link", name="Erase Customer Data")).to_have_count(0)  # active

    page.locator("form[action$='/status'] select[name=status]").select_option("inactive")
    page.get_by_role("button", name="Update Status").click()
    page.get_by_role("link", name="Erase Customer Data").click()
    expect(page.get_by_role("heading", name="Erase Customer Data")).to_be_visible()
    page.get_by_role("button", name="Remove Customer Data").click()
    expect(page.get_by_role("status")).to_have_text("Customer data erased.")
    profile = admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]
    assert profile["erased_at"] is not None
    assert profile["email"] != customer["email"]


def test_login_history_and_activity_log(page: Page, system: System, admin: httpx.Client, public: httpx.Client) -> None:
    base = system.gateway.url
    email = f"history-{uuid.uuid4().hex[:8]}@example.com"
    body = {"first_name": "Hal", "last_name": "Story", "email": email, "password": "correct horse battery"}
    created = admin.post(f"{ADMIN_API}/customers", json=body)
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    signed_in = public.post("/api/v1/learner/sessions", json={"email": email, "password": "correct horse battery"})
    assert signed_in.status_code == 201, signed_in.text
    changed = admin.patch(f"{ADMIN_API}/customers/{customer_id}", json={"organization": "Histories Ltd"})
    assert changed.status_code == 200, changed.text

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer_id}")
    page.get_by_role("link", name="Login History").click()
    expect(page.get_by_test_id("login-history")).to_contain_text("127.0.0.1")
    expect(page.get_by_test_id("login-history")).to_contain_text("Signed in")
    page.goto(f"{base}/admin/customers/{customer_id}")
    page.get_by_role("link", name="Activity Log").click()
    expect(page.get_by_role("heading", name="Activity Log")).to_be_visible()
    expect(page.get_by_test_id("activity-log").locator("tbody tr").first).to_be_visible()


def test_edit_customer_info_and_manage_password(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("link", name="Edit Customer Info").click()
    page.get_by_label("E-mail").fill("not-an-email@")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#email-error")).to_be_visible()
    new_email = f"edited-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("E-mail").fill(new_email)
    page.get_by_label("Organisation").fill("Edited Ltd")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Customer info saved.")
    profile = admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]
    assert (profile["email"], profile["organization"]) == (new_email, "Edited Ltd")

    page.get_by_role("link", name="Manage Password").click()
    expect(page.get_by_test_id("password-expires")).to_have_text("Never")
    page.get_by_label("Expires in (days; empty: no change)").fill("30")
    page.get_by_role("button", name="Save Password").click()
    expect(page.get_by_role("status")).to_have_text("Password settings saved.")
    expect(page.get_by_test_id("password-expires")).not_to_have_text("Never")
    page.get_by_role("button", name="Send set-password link").click()
    expect(page.get_by_role("status")).to_have_text("A set-password link was e-mailed to the customer.")


def test_impersonate_user_shows_a_learner_token_that_acts_as_the_customer(
    page: Page, system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("button", name="Impersonate User").click()
    expect(page.get_by_role("heading", name=f"Impersonating Connie {customer['last_name']}")).to_be_visible()
    token = page.get_by_test_id("learner-token").input_value().strip()
    assert token
    profile = public.get("/api/v1/learner/profile", headers={"Authorization": f"Bearer {token}"})
    assert profile.status_code == 200, profile.text
    assert profile.json()["email"] == customer["email"]


def _learner(admin: httpx.Client, public: httpx.Client) -> tuple[str, dict[str, str]]:
    email = f"code-{uuid.uuid4().hex[:8]}@example.com"
    body = {"first_name": "Cody", "last_name": "Seat", "email": email, "password": "correct horse battery"}
    created = admin.post(f"{ADMIN_API}/customers", json=body)
    assert created.status_code == 201, created.text
    session = public.post("/api/v1/learner/sessions", json={"email": email, "password": "correct horse battery"})
    assert session.status_code == 201, session.text
    return created.json()["id"], {"Authorization": f"Bearer {session.json()['access_token']}"}


def test_registration_codes_and_their_users_removed_and_grouped(
    page: Page, system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    base = system.gateway.url
    buyer, buyer_auth = _learner(admin, public)
    user, user_auth = _learner(admin, public)
    product = _product(admin)
    order = public.post(
        "/api/v1/learner/orders", json={"price_id": product["prices"][0]["price_id"], "quantity": 2}, headers=buyer_auth
    )
    assert order.status_code == 201, order.text
    code = order.json()["registration_codes"][0]
    redeemed = public.post(f"/api/v1/learner/registration-codes/{code}/redeem", headers=user_auth)
    assert redeemed.status_code in (200, 201), redeemed.text
    group = admin.post(f"{ADMIN_API}/groups", json={"name": f"Seats {uuid.uuid4().hex[:6]}"}).json()

    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{buyer}")
    page.get_by_role("link", name="Registration Code Users").click()
    expect(page.get_by_test_id("codes")).to_contain_text("redeemed")
    expect(page.get_by_test_id("codes")).to_contain_text("available")
    users = page.get_by_test_id("code-users")
    expect(users).to_contain_text(code)
    expect(users.get_by_role("link", name="View User")).to_have_attribute("href", f"/admin/customers/{user}")

    page.get_by_label("Add the customer and all these users to").select_option(label=group["name"])
    page.get_by_role("button", name="Add to Group").click()
    expect(page.get_by_role("status")).to_contain_text("added to the group")

    def grouped() -> bool:
        details = admin.get(f"{ADMIN_API}/customers/{user}").json()["profile"]["data"]
        return group["id"] in [g["id"] for g in details["groups"]]

    assert eventually(grouped)

    page.get_by_test_id("code-users").get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove registration code access")).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("Registration code access removed")
    expect(page.get_by_test_id("code-users")).to_have_count(0)
    left = admin.get(f"{ADMIN_API}/customers/{buyer}/registration-code-users").json()
    assert left["total"] == 0
