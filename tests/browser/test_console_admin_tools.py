"""The console's admin tools in Chromium: Import Customers, Groups, Audit log, Admins, LMS
integrations and the signed-in admin's own password."""

from __future__ import annotations

import secrets

import httpx
from browser.helpers import new_customer, sign_in
from playwright.sync_api import Page, expect
from support.accounts import ADMIN_USERNAME
from support.customers import Mailbox

from trainyard_common.testing.system import System

ADMIN_API = "/api/v1/admin"
STRONG = "Console-" + secrets.token_hex(8)


def test_import_customers_by_hand_with_add_another_user_and_a_bad_row(
    page: Page, system: System, admin: httpx.Client, mailbox: Mailbox
) -> None:
    base = system.gateway.url
    good = f"imported-{secrets.token_hex(5)}@example.com"
    sign_in(page, base)
    page.get_by_role("link", name="Import Customers").click()
    page.get_by_role("link", name="Enter User Information").click()
    page.get_by_label("First Name (user 1)").fill("Imre")
    page.get_by_label("Last Name (user 1)").fill("Port")
    page.get_by_label("Email (user 1)").fill(good)
    page.get_by_role("button", name="Add Another User").click()
    expect(page.get_by_test_id("import-row")).to_have_count(2)
    expect(page.get_by_label("Email (user 1)")).to_have_value(good)  # kept across the post-back
    page.get_by_label("First Name (user 2)").fill("Bad")
    page.get_by_label("Last Name (user 2)").fill("Row")
    page.get_by_label("Email (user 2)").evaluate("e => e.type = 'text'")  # let the API, not the browser, refuse it
    page.get_by_label("Email (user 2)").fill("not-an-address")
    page.get_by_label("Require Password Change").check()
    page.get_by_label("Send Welcome Email").select_option("yes")
    page.get_by_label("Email Subject").fill("Welcome to the console import")
    page.get_by_label("Additional Text").fill("See you in class.")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Import result")).to_be_visible()
    expect(page.get_by_test_id("import-created")).to_have_text("1")
    error = page.get_by_test_id("import-error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("2")
    expect(error).to_contain_text("not a valid e-mail address")
    assert admin.get(f"{ADMIN_API}/customers", params={"search": good}).json()["total"] == 1
    (mail,) = mailbox.wait_for(good, timeout=30)
    assert mail.subject == "Welcome to the console import"
    assert "See you in class." in mail.body


def test_import_customers_from_csv_with_the_template(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    sign_in(page, base)
    page.goto(f"{base}/admin/customer-imports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    header = open(download.value.path(), encoding="utf-8").read().strip()  # noqa: SIM115
    assert header.startswith("First Name,Last Name,Email")

    email = f"csv-{secrets.token_hex(5)}@example.com"
    csv = f"{header}\r\nCora,Sv,{email},,,,\r\n,Nameless,nameless-{secrets.token_hex(3)}@example.com,,,,\r\n"
    page.get_by_label("Import File").set_input_files(
        {"name": "customers.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_test_id("import-created")).to_have_text("1")
    expect(page.get_by_test_id("import-error")).to_contain_text("First Name is missing")
    assert admin.get(f"{ADMIN_API}/customers", params={"search": email}).json()["total"] == 1


def test_groups_are_listed_and_added_with_a_domain_automation(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    name = f"Console group {secrets.token_hex(3)}"
    domain = f"g{secrets.token_hex(4)}.example.com"
    sign_in(page, base)
    page.get_by_role("link", name="Groups").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Automation: e-mail domain (optional)").fill("not a domain")
    page.get_by_role("button", name="Add Group").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)

    page.get_by_label("Automation: e-mail domain (optional)").fill(domain)
    page.get_by_role("button", name="Add Group").click()
    expect(page.get_by_role("status")).to_have_text("Group added.")
    row = page.get_by_test_id("group-row").filter(has_text=name)
    expect(row).to_contain_text(f"@{domain}")
    groups = admin.get(f"{ADMIN_API}/groups").json()["items"]
    (group,) = [g for g in groups if g["name"] == name]
    assert group["automation"]["email_domain"].lstrip("@") == domain
    expect(row).to_contain_text(group["id"])  # the Group ID an import's CSV needs


def test_audit_log_filters_and_pages(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Target").fill(f"customer:{customer['id']}")
    page.get_by_label("Who").fill(ADMIN_USERNAME)
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("POST /api/v1/admin/customers")
    expect(rows).to_contain_text("success")

    page.get_by_label("From (UTC)").fill("2999-01-01T00:00")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(0)

    page.goto(f"{base}/admin/audit-log?from=yesterday")
    expect(page.locator("#from-error")).to_have_text("not a date and time")

    action = "POST /api/v1/admin/groups"
    params = {"action": action, "limit": 1}
    missing = 51 - admin.get(f"{ADMIN_API}/audit-log", params=params).json()["total"]
    for _ in range(max(missing, 0)):  # enough entries for a second page
        assert admin.post(f"{ADMIN_API}/groups", json={"name": f"paging-{secrets.token_hex(4)}"}).status_code == 201
    page.goto(f"{base}/admin/audit-log")
    page.get_by_label("Action").fill(action)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(50)
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
    expect(page.get_by_test_id("audit-row").first).to_contain_text(action)
    expect(page.locator(".paging span")).to_contain_text("51\u2013")


def test_admins_create_change_role_disable_reset_and_delete(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    username = f"console-admin-{secrets.token_hex(3)}"
    sign_in(page, base)
    page.get_by_role("link", name="Admins").click()
    page.get_by_label("Username", exact=True).fill(username)
    page.locator("#password").fill("short")
    page.locator("#password").evaluate("e => e.removeAttribute('minlength')")
    page.get_by_role("combobox", name="Role").select_option("viewer")
    page.get_by_role("button", name="Create Admin").click()
    expect(page.locator("#password-error")).to_be_visible()

    page.locator("#password").fill(STRONG)
    page.get_by_role("button", name="Create Admin").click()
    expect(page.get_by_role("status")).to_have_text("Admin created.")
    expect(page.get_by_test_id("admin-state-role")).to_have_text("viewer")

    page.get_by_role("combobox", name="Role").select_option("admin")
    page.get_by_role("button", name="Change Role").click()
    expect(page.get_by_test_id("admin-state-role")).to_have_text("admin")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_test_id("admin-state-active")).to_have_text("No")
    assert _sign_in_status(system, username, STRONG) == 401
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_test_id("admin-state-active")).to_have_text("Yes")

    reset = STRONG + "-reset"
    page.get_by_label("New password").fill(reset)
    page.get_by_role("button", name="Reset Password").click()
    expect(page.get_by_role("status")).to_contain_text("Password reset")
    assert _sign_in_status(system, username, reset) == 200

    page.get_by_role("link", name="Delete Admin").click()
    expect(page.get_by_role("heading", name=f"Delete admin {username}?")).to_be_visible()
    page.get_by_role("button", name="Delete Admin").click()
    expect(page.get_by_role("status")).to_have_text(f"Admin {username} deleted.")
    assert _sign_in_status(system, username, reset) == 401
    audit = admin.get(f"{ADMIN_API}/audit-log", params={"target": f"admin:{username}", "limit": 50}).json()
    assert {e["action"] for e in audit["items"]} >= {
        "POST /api/v1/admin/admins",
        "PATCH /api/v1/admin/admins/{username}",
        "DELETE /api/v1/admin/admins/{username}",
    }


def test_integration_is_created_with_its_secret_shown_once_then_revoked(page: Page, system: System) -> None:
    base = system.gateway.url
    name = f"lms-{secrets.token_hex(3)}"
    sign_in(page, base)
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("customers:read").check()
    page.get_by_label("progress:write").check()
    page.get_by_role("button", name="Add Integration").click()
    expect(page.get_by_role("heading", name="Integration added")).to_be_visible()
    client_id = page.get_by_test_id("client-id").inner_text()
    secret = page.get_by_test_id("client-secret").inner_text()
    assert _client_token_status(system, client_id, secret) == 200

    page.get_by_role("link", name="Back to LMS integrations").click()
    row = page.get_by_test_id("integration-row").filter(has_text=name)
    expect(row).to_contain_text("customers:read, progress:write")
    expect(page.get_by_text(secret)).to_have_count(0)  # never shown again
    row.get_by_role("link", name="Revoke").click()
    expect(page.get_by_role("heading", name=f"Revoke integration {client_id}?")).to_be_visible()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("Integration revoked.")
    expect(page.get_by_test_id("integration-row").filter(has_text=name)).to_have_count(0)
    assert _client_token_status(system, client_id, secret) == 401


def test_the_signed_in_admin_changes_their_own_password(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    username = f"own-pw-{secrets.token_hex(3)}"
    body = {"username": username, "password": STRONG, "role": "viewer"}
    assert admin.post(f"{ADMIN_API}/admins", json=body).status_code == 201
    sign_in(page, base, username, STRONG)
    page.get_by_role("link", name="Your password").click()
    new = STRONG + "-new"
    page.get_by_label("Current password").fill("wrong-password-here")
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Confirm new password").fill(new + "x")
    page.get_by_role("button", name="Change Password").click()
    expect(page.locator("#confirm_password-error")).to_have_text("does not match")

    page.get_by_label("Current password").fill("wrong-password-here")
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Confirm new password").fill(new)
    page.get_by_role("button", name="Change Password").click()
    expect(page.locator("#current_password-error")).to_be_visible()

    page.get_by_label("Current password").fill(STRONG)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Confirm new password").fill(new)
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_role("status")).to_contain_text("Password changed.")
    assert _sign_in_status(system, username, new) == 200
    assert _sign_in_status(system, username, STRONG) == 401


def test_a_viewer_sees_no_write_controls_in_the_admin_tools(
    page: Page, system: System, viewer: tuple[str, str]
) -> None:
    base = system.gateway.url
    sign_in(page, base, *viewer)
    expect(page.get_by_role("link", name="Import Customers")).to_have_count(0)
    for path, heading in (
        ("/admin/customer-imports?type=manual", "Import Customers"),
        ("/admin/groups", "Groups"),
        ("/admin/audit-log", "Audit log"),
        ("/admin/admins", "Admins"),
        ("/admin/integrations", "LMS integrations"),
    ):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        main = page.locator("main")
        expect(main.locator("form[method=post]")).to_have_count(0)
        expect(main.get_by_role("link", name="Revoke")).to_have_count(0)


def _sign_in_status(system: System, username: str, password: str) -> int:
    with system.public() as client:
        return client.post("/api/v1/auth/token", json={"username": username, "password": password}).status_code


def _client_token_status(system: System, client_id: str, secret: str) -> int:
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    with system.public() as client:
        return client.post("/api/v1/auth/token", json=body).status_code
