"""/docs renders Swagger UI from the gateway's own files: nothing leaves 127.0.0.1."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from trainyard_common.testing.system import System


def test_docs_render_with_no_request_leaving_the_gateway(page: Page, system: System) -> None:
    base = system.gateway.url
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    answer = page.goto(f"{base}/docs")
    assert answer is not None
    assert answer.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Trainyard gateway")
    expect(page.locator(".opblock").first).to_be_visible()
    outside = [u for u in requested if not (u.startswith(f"{base}/") or u.startswith("data:"))]
    assert outside == []
    assert f"{base}/docs-assets/swagger-ui-bundle.js" in requested
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "cdn.jsdelivr" not in page.content()


def test_the_console_is_not_in_the_api_schema(system: System) -> None:
    paths = httpx.get(f"{system.gateway.url}/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/admin", "/docs"))]
    assert "/api/v1/admin/customers" in paths
