"""The console's Clients, Classes and Reports screens in Chromium (seed 000)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

import httpx
from browser.helpers import new_customer, sign_in
from playwright.sync_api import Page, expect
from support.customers import eventually
from support.flows import create_client, register, unique_domain, wait_for_learner

from trainyard_common.testing.system import System

ADMIN_API = "/api/v1/admin"


def _client(admin: httpx.Client, client_id: str) -> dict[str, Any]:
    return dict(admin.get(f"{ADMIN_API}/clients/{client_id}").json())


def _students(admin: httpx.Client, class_id: str) -> dict[str, Any]:
    items = admin.get(f"{ADMIN_API}/classes/{class_id}/students").json()["items"]
    return {s["customer_id"]: s for s in items}


def test_add_clients_with_save_and_add_another_then_a_registered_learner_is_mapped_by_domain(
    page: Page, system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    base = system.gateway.url
    first, second = unique_domain(), unique_domain()
    sign_in(page, base)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Add Client").click()

    page.get_by_label("Client", exact=True).fill(f"First {first}")
    page.get_by_label("Industry").select_option("Technology")
    page.get_by_label("E-mail domains").fill(f"@{first}")
    page.get_by_label("Save and Add another Client").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Client First {first} added.")
    expect(page.get_by_role("heading", name="Add Client")).to_be_visible()
    expect(page.get_by_label("Client", exact=True)).to_have_value("")

    page.get_by_label("Client", exact=True).fill(f"Second {second}")
    page.get_by_label("Industry").select_option("Consulting")
    page.get_by_label("E-mail domains").fill(f"{second}, @mail.{second}")
    page.get_by_label("Aliases").fill(f"Second {second} Inc\nSecond Ltd")
    page.get_by_label("Save and Add another Client").uncheck()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name=f"Second {second}")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Client added.")
    expect(page.get_by_test_id("client-domains")).to_have_text(f"{second}, mail.{second}")
    second_id = page.url.rsplit("/", 1)[1].split("?")[0]
    assert sorted(_client(admin, second_id)["aliases"]) == sorted([f"Second {second} Inc", "Second Ltd"])

    # the list: search, industry and active filters
    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_label("Search").fill(first)
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("clients").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"First {first}")
    expect(rows.first).to_contain_text("Technology")
    page.get_by_label("Search").fill(second)
    page.get_by_label("Industry").select_option("Technology")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No client matches.")).to_be_visible()

    # a learner who registers with the domain is mapped, and the client's page says how
    email = f"ada-{secrets.token_hex(3)}@mail.{second}"
    registered = register(public, email)
    assert registered.status_code == 201, registered.text
    customer_id = str(registered.json()["id"])
    wait_for_learner(admin, second_id, customer_id)
    page.goto(f"{base}/admin/clients/{second_id}")
    learner = page.get_by_test_id("learners").locator("tbody tr", has_text=email)
    expect(learner).to_contain_text("E-mail domain")


def test_edit_deactivate_and_reactivate_a_client(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    client = create_client(admin, unique_domain())
    sign_in(page, base)
    page.goto(f"{base}/admin/clients/{client['id']}")

    renamed = f"Renamed {secrets.token_hex(3)}"
    page.get_by_label("Client", exact=True).fill(renamed)
    page.get_by_label("Industry").select_option("Education")
    page.get_by_role("button", name="Update Client").click()
    expect(page.get_by_role("status")).to_have_text("Client updated.")
    expect(page.get_by_role("heading", name=renamed)).to_be_visible()
    assert _client(admin, client["id"])["industry"] == "Education"

    # an API refusal comes back next to its field
    page.get_by_label("E-mail domains").fill("not a domain")
    page.get_by_role("button", name="Update Client").click()
    expect(page.locator("#email_domains-error")).to_be_visible()
    assert _client(admin, client["id"])["email_domains"] == client["email_domains"]

    page.goto(f"{base}/admin/clients/{client['id']}")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_test_id("client-status")).to_have_text("Inactive")
    assert _client(admin, client["id"])["active"] is False
    page.goto(f"{base}/admin/clients?active=false&search={renamed}")
    expect(page.get_by_test_id("clients").locator("tbody tr")).to_contain_text("Inactive")
    page.goto(f"{base}/admin/classes/new")  # no longer in client drop-down lists
    expect(page.get_by_label("Client")).not_to_contain_text(renamed)

    page.goto(f"{base}/admin/clients/{client['id']}")
    page.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_test_id("client-status")).to_have_text("Active")
    assert _client(admin, client["id"])["active"] is True


def test_class_with_default_client_enrol_then_assign_and_remove_the_client_of_selected_students(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    default = create_client(admin, unique_domain())
    other = create_client(admin, unique_domain())
    students = [new_customer(admin), new_customer(admin)]
    today = date.today().isoformat()
    name = f"Survey Design {secrets.token_hex(3)}"
    sign_in(page, base)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes").click()
    page.get_by_role("link", name="Add Class").click()
    page.get_by_label("Class Name").fill(name)
    page.get_by_label("Starts on").fill(today)
    page.get_by_label("Ends on").fill(today)
    page.get_by_label("Client").select_option(label=default["name"])
    page.get_by_role("button", name="Add Class").click()
    expect(page.get_by_role("heading", name="Edit Class")).to_be_visible()
    expect(page.get_by_test_id("class-client")).to_have_text(default["name"])
    class_id = page.url.rsplit("/", 1)[1].split("?")[0]

    # the list by date range and search
    page.get_by_role("link", name="Classes", exact=True).first.click()
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_label("Search").fill(name)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("classes").locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name=name, exact=True).click()

    page.get_by_label("Customers' e-mail addresses").fill("\n".join(s["email"] for s in students))
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("status")).to_have_text("2 enrolled, 0 already enrolled.")
    ids = [s["id"] for s in students]
    eventually(lambda: all((_students(admin, class_id)[i]["client"] or {}).get("id") == default["id"] for i in ids))
    page.reload()
    table = page.get_by_test_id("students")
    for s in students:
        expect(table.locator("tr", has_text=s["email"])).to_contain_text(default["name"])

    # select one student, Assign Client, Go, choose the client, Assign
    page.get_by_label(f"Select {students[0]['email']}").check()
    page.get_by_label("Select Actions").select_option("assign")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Assign Client")).to_be_visible()
    page.get_by_label("Client").select_option(label=other["name"])
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text("Client assigned to 1 student(s).")
    expect(table.locator("tr", has_text=students[0]["email"])).to_contain_text(other["name"])
    expect(table.locator("tr", has_text=students[1]["email"])).to_contain_text(default["name"])
    assert _students(admin, class_id)[ids[0]]["client"]["id"] == other["id"]

    # select both, Remove Client, Go, confirm
    for s in students:
        page.get_by_label(f"Select {s['email']}").check()
    page.get_by_label("Select Actions").select_option("remove")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Remove Client")).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Client removed from 2 student(s).")
    assert all(_students(admin, class_id)[i]["client"] is None for i in ids)

    # Edit Class: change the default client
    page.get_by_label("Client", exact=True).select_option(label=other["name"])
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Class updated.")
    expect(page.get_by_test_id("class-client")).to_have_text(other["name"])
    assert admin.get(f"{ADMIN_API}/classes/{class_id}").json()["default_client_id"] == other["id"]

    # the per-class report
    page.get_by_role("link", name="Class report").click()
    expect(page.get_by_test_id("class-enrollments")).to_have_text("2")


def test_report_by_client_with_filters_and_chart(
    page: Page, system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    base = system.gateway.url
    domain = unique_domain()
    client = create_client(admin, domain)
    create_client(admin, unique_domain())
    registered = register(public, f"rep-{secrets.token_hex(3)}@{domain}")
    assert registered.status_code == 201, registered.text
    wait_for_learner(admin, client["id"], str(registered.json()["id"]))
    sign_in(page, base)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_label("Clients (none: all)").select_option(label=client["name"])
    page.get_by_label("Industry").select_option("Technology")
    page.get_by_role("button", name="Run report").click()
    assert re.search(r"client_id=[0-9a-f-]{36}", page.url)
    rows = page.get_by_test_id("report").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(client["name"])
    expect(rows.first.locator("td").nth(1)).to_have_text("1")  # learners
    chart = page.get_by_test_id("report-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(8)
    expect(chart.locator(f"rect[data-value='{client['name']}: Learners 1']")).to_have_count(1)
    expect(page.locator(".legend li", has_text="Certifications completed")).to_be_visible()


def test_a_viewer_sees_no_write_controls_on_clients_and_classes(
    page: Page, system: System, admin: httpx.Client, viewer: tuple[str, str]
) -> None:
    base = system.gateway.url
    client = create_client(admin, unique_domain())
    created = admin.post(
        f"{ADMIN_API}/classes", json={"name": "Viewer class", "starts_on": "2026-01-05", "ends_on": "2026-01-06"}
    )
    assert created.status_code == 201, created.text
    enrolled = admin.post(
        f"{ADMIN_API}/classes/{created.json()['id']}/enrollments", json={"customer_ids": [new_customer(admin)["id"]]}
    )
    assert enrolled.status_code == 200, enrolled.text
    sign_in(page, base, *viewer)

    page.goto(f"{base}/admin/clients")
    expect(page.get_by_role("link", name="Add Client")).to_have_count(0)
    page.goto(f"{base}/admin/clients/{client['id']}")
    expect(page.get_by_role("heading", name=client["name"])).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate")).to_have_count(0)
    expect(page.get_by_role("button", name="Update Client")).to_have_count(0)
    page.goto(f"{base}/admin/classes/{created.json()['id']}")
    expect(page.get_by_test_id("students").locator("tbody tr")).to_have_count(1)
    expect(page.locator("input[type=checkbox]")).to_have_count(0)
    expect(page.get_by_role("button", name="Go")).to_have_count(0)
    expect(page.get_by_role("button", name="Enrol")).to_have_count(0)
    expect(page.get_by_role("button", name="Update")).to_have_count(0)
    page.goto(f"{base}/admin/classes")
    expect(page.get_by_role("link", name="Add Class")).to_have_count(0)
