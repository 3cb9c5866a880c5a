"""LMS integrations (issue 17, item 10): an admin creates client credentials with scopes, the LMS
exchanges them for a short-lived token (JSON or form), assigns a learner to a client with it, is
refused elsewhere, shows up in the audit log under its name, and is cut off when revoked."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
TOKEN = "/api/v1/auth/token"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_lms_integration_assigns_a_learner_within_its_scopes(
    system: Any, admin: httpx.Client, public: httpx.Client
) -> None:
    name = f"lms-{secrets.token_hex(4)}"
    created = admin.post(f"{ADMIN}/integrations", json={"name": name, "scopes": ["clients:assign", "customers:read"]})
    assert created.status_code == 201, created.text
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    listed = admin.get(f"{ADMIN}/integrations")
    assert listed.status_code == 200, listed.text
    [mine] = [item for item in listed.json()["items"] if item["client_id"] == client_id]
    assert mine["scopes"] == ["clients:assign", "customers:read"]
    assert "client_secret" not in mine
    assert secret not in listed.text

    grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    as_json = public.post(TOKEN, json=grant)
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["token_type"] == "bearer"
    assert as_json.json()["scope"] == "clients:assign customers:read"
    assert 0 < as_json.json()["expires_in"] <= 3600
    as_form = public.post(TOKEN, data=grant)
    assert as_form.status_code == 200, as_form.text
    token = as_form.json()["access_token"]
    wrong = public.post(TOKEN, data={**grant, "client_secret": "not the secret"})
    unknown = public.post(TOKEN, data={**grant, "client_id": "int_nobody"})
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_client"

    domain = unique_domain()
    acme, other = create_client(admin, domain)["id"], create_client(admin, unique_domain())["id"]
    learner = register(public, f"ada@{domain}")
    assert learner.status_code == 201, learner.text
    ada = learner.json()["id"]
    wait_for_learner(admin, acme, ada)

    moved = public.put(f"{ADMIN}/customers/{ada}/client", json={"client_id": other}, headers=_bearer(token))
    assert moved.status_code == 200, moved.text
    assert moved.json()["client"]["id"] == other
    assert wait_for_learner(admin, other, ada)["how"] == "manual"
    read = public.get(f"{ADMIN}/customers/{ada}", headers=_bearer(token))
    assert read.status_code == 200, read.text

    completion = public.post(f"{ADMIN}/training-progress", json={}, headers=_bearer(token))
    assert completion.status_code == 403, completion.text
    assert completion.json()["error"]["code"] == "insufficient_scope"
    for forbidden in (f"{ADMIN}/integrations", f"{ADMIN}/audit-log", f"{ADMIN}/clients"):
        assert public.get(forbidden, headers=_bearer(token)).status_code == 403, forbidden

    audit = admin.get(f"{ADMIN}/audit-log", params={"actor": f"integration:{name}"})
    assert audit.status_code == 200, audit.text
    actions = {(e["action"], e["outcome"]) for e in audit.json()["items"]}
    assert ("PUT /api/v1/admin/customers/{id}/client", "success") in actions
    assert ("POST /api/v1/admin/training-progress", "denied") in actions

    revoked = admin.delete(f"{ADMIN}/integrations/{client_id}")
    assert revoked.status_code == 204, revoked.text
    after = public.get(f"{ADMIN}/customers", headers=_bearer(token))
    assert after.status_code == 401, after.text
    assert public.post(TOKEN, json=grant).status_code == 401
    assert admin.delete(f"{ADMIN}/integrations/{client_id}").status_code == 404


def test_a_viewer_cannot_create_or_revoke_integrations(admin: httpx.Client, public: httpx.Client) -> None:
    username, password = f"viewer-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    made = admin.post(f"{ADMIN}/admins", json={"username": username, "password": password, "role": "viewer"})
    assert made.status_code == 201, made.text
    signed_in = public.post(TOKEN, json={"username": username, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    viewer = _bearer(signed_in.json()["access_token"])

    body = {"name": "sneaky", "scopes": ["customers:read"]}
    refused = public.post(f"{ADMIN}/integrations", json=body, headers=viewer)
    assert refused.status_code == 403, refused.text
    assert public.delete(f"{ADMIN}/integrations/int_whatever", headers=viewer).status_code == 403
