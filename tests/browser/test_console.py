"""The admin console in Chromium: sign-in, Customers, Customer Details, its guards and headers."""

from __future__ import annotations

import httpx
from browser.helpers import new_customer, post_form, sign_in
from playwright.sync_api import Page, expect
from support.accounts import ADMIN_USERNAME

from gateway.console.session import Session
from trainyard_common.testing.system import System

ADMIN_API = "/api/v1/admin"


def test_sign_in_find_customer_and_update_status_through_the_audited_api(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)

    sign_in(page, base)
    expect(page.get_by_test_id("admin-name")).to_have_text(ADMIN_USERNAME)
    page.get_by_label("Search").fill(customer["email"])
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"Connie {customer['last_name']}").click()
    expect(page.get_by_role("heading", name="Customer Details")).to_be_visible()
    expect(page.get_by_test_id("customer-status")).to_have_text("Active")

    page.locator("form[action$='/status'] select[name=status]").select_option("inactive")
    page.get_by_role("button", name="Update Status").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Inactive")
    expect(page.get_by_role("status")).to_have_text("Status updated.")

    assert admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]["status"] == "inactive"
    audit = admin.get(f"{ADMIN_API}/audit-log", params={"target": f"customer:{customer['id']}", "limit": 50}).json()
    actions = [(e["actor"], e["action"], e["outcome"]) for e in audit["items"]]
    assert (ADMIN_USERNAME, "PUT /api/v1/admin/customers/{id}/status", "success") in actions
    entry = next(e for e in audit["items"] if e["action"].endswith("/status"))
    assert "Chrom" in (entry["user_agent"] or "")  # the browser's, forwarded by the console


def test_exemption_is_added_and_removed(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    page.get_by_role("button", name="Add Exemption").click()
    expect(page.get_by_test_id("tax-exempt")).to_have_text("Yes")
    page.get_by_role("button", name="Remove Exemption").click()
    expect(page.get_by_test_id("tax-exempt")).to_have_text("No")


def test_add_customer_shows_field_reasons_then_creates(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    sign_in(page, base)
    page.get_by_role("link", name="Add Customer").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Console")
    page.get_by_label("E-mail", exact=True).fill("not-an-email@")
    page.locator("#email").evaluate("e => e.type = 'text'")  # let the API, not the browser, refuse it
    page.get_by_role("button", name="Add Customer").click()
    expect(page.locator("#email-error")).to_be_visible()

    email = f"added-{new_customer(admin)['id'][:8]}@example.com"
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("button", name="Add Customer").click()
    expect(page.get_by_role("heading", name="Customer added")).to_be_visible()
    expect(page.get_by_test_id("generated-password")).not_to_be_empty()
    found = admin.get(f"{ADMIN_API}/customers", params={"search": email}).json()
    assert found["total"] == 1


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    page: Page, system: System, admin: httpx.Client
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base)
    details = f"{base}/admin/customers/{customer['id']}"
    page.goto(details)

    page.locator("form[action$='/status'] input[name=csrf_token]").evaluate("e => e.remove()")
    page.locator("form[action$='/status'] select[name=status]").select_option("locked")
    with page.expect_navigation() as without_token:
        page.get_by_role("button", name="Update Status").click()
    assert without_token.value is not None
    assert without_token.value.status == 403
    expect(page.get_by_role("heading", name="Refused")).to_be_visible()

    page.goto(details)
    forged = post_form(page, f"{details}/status", {"status": "locked", "csrf_token": "0" * 64})
    assert forged.status == 403
    assert admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]["status"] == "active"


def test_without_a_session_every_page_redirects_to_sign_in(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    for path in ("/admin/", "/admin/customers", f"/admin/customers/{customer['id']}", "/admin/customers/new"):
        page.goto(f"{base}{path}")
        assert page.url == f"{base}/admin/sign-in", path
    answer = page.request.get(f"{base}/admin/customers", max_redirects=0)
    assert answer.status == 303
    assert answer.headers["location"] == "/admin/sign-in"
    posted = post_form(page, f"{base}/admin/customers/{customer['id']}/status", {"status": "locked"})
    assert posted.url == f"{base}/admin/sign-in"
    assert admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]["status"] == "active"


def test_sign_out_revokes_the_token(page: Page, system: System) -> None:
    base = system.gateway.url
    sign_in(page, base)
    cookie = next(c for c in page.context.cookies() if c["name"] == "trainyard_console")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/admin"
    assert cookie["secure"]  # the e2e system runs as `test`, not development
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/admin/sign-in")
    assert not [c for c in page.context.cookies() if c["name"] == "trainyard_console"]
    token = Session.decode(cookie["value"])
    assert token is not None
    answer = httpx.get(f"{base}{ADMIN_API}/customers", headers={"Authorization": f"Bearer {token.token}"})
    assert answer.status_code == 401


def test_pages_carry_the_csp_and_no_inline_script_or_style(page: Page, system: System, admin: httpx.Client) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, base)
    for path in ("/admin/sign-in", "/admin/customers", f"/admin/customers/{customer['id']}", "/admin/customers/new"):
        answer = page.goto(f"{base}{path}")
        assert answer is not None
        csp = answer.headers["content-security-policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp
        inline = page.evaluate(
            """() => ({
                scripts: [...document.scripts].filter(s => !s.src).length,
                styles: document.querySelectorAll('style, [style]').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                sheets: [...document.styleSheets].map(s => s.href),
            })"""
        )
        assert inline["scripts"] == 0, path
        assert inline["styles"] == 0, path
        assert inline["handlers"] == 0, path
        assert inline["sheets"] == [f"{base}/admin/static/console.css"], path
    assert violations == []


def test_a_viewer_sees_no_write_controls(
    page: Page, system: System, admin: httpx.Client, viewer: tuple[str, str]
) -> None:
    base = system.gateway.url
    customer = new_customer(admin)
    sign_in(page, base, *viewer)
    expect(page.get_by_test_id("admin-role")).to_have_text("viewer")
    expect(page.get_by_role("link", name="Add Customer")).to_have_count(0)
    page.goto(f"{base}/admin/customers/{customer['id']}")
    expect(page.get_by_test_id("customer-status")).to_have_text("Active")
    expect(page.get_by_role("button", name="Update Status")).to_have_count(0)
    expect(page.locator("select[name=status]")).to_have_count(0)
    expect(page.get_by_role("button", name="Add Exemption")).to_have_count(0)
    # and the API refuses them anyway (the page's refusal shown, nothing changed)
    csrf = page.locator("input[name=csrf_token]").first.input_value()  # the sign-out form's: a valid token
    refused = post_form(
        page, f"{base}/admin/customers/{customer['id']}/status", {"status": "locked", "csrf_token": csrf}
    )
    assert refused.status == 403
    expect(page.get_by_role("alert")).to_contain_text("may only read")
    assert admin.get(f"{ADMIN_API}/customers/{customer['id']}").json()["profile"]["data"]["status"] == "active"


def test_an_unknown_customer_is_a_not_found_page(page: Page, system: System) -> None:
    base = system.gateway.url
    sign_in(page, base)
    for missing in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        answer = page.goto(f"{base}/admin/customers/{missing}")
        assert answer is not None
        assert answer.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
