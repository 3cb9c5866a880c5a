"""What the browser tests share: signing in, a customer made through the API, a posted form."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from playwright.sync_api import Page
from support.accounts import ADMIN_PASSWORD, ADMIN_USERNAME

SUBMIT_FORM = """([action, fields]) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = action;
    for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""


def sign_in(page: Page, base_url: str, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> None:
    page.goto(f"{base_url}/admin/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/customers")


def new_customer(admin: httpx.Client) -> dict[str, str]:
    email = f"console-{secrets.token_hex(5)}@example.com"
    body = {"first_name": "Connie", "last_name": f"Sole{secrets.token_hex(2)}", "email": email}
    created = admin.post("/api/v1/admin/customers", json=body)
    assert created.status_code == 201, created.text
    return {**body, "id": created.json()["id"]}


def post_form(page: Page, action: str, fields: dict[str, str]) -> Any:
    """Submit a plain form from the current page (as a forged or hand-made form would be); its answer."""
    with page.expect_navigation() as navigation:
        page.evaluate(SUBMIT_FORM, [action, fields])
    return navigation.value
