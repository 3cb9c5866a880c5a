"""``/docs`` without the internet: Swagger UI 5 from the installed ``fastapi_swagger`` package.

Only its bundled files (``resources/``: the JS bundle, the CSS, the favicon) are used, served
under ``/docs-assets``; FastAPI's own ``/docs`` (which loads them from a CDN) is replaced. The
page needs one inline script (Swagger UI's start-up), allowed by a per-response nonce in its own
Content-Security-Policy; the console's stricter policy is untouched.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import fastapi_swagger
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Route

DOCS = "/docs"
ASSETS = "/docs-assets"
SWAGGER_FILES = Path(fastapi_swagger.__file__).parent / "resources"


def docs_csp(nonce: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    )


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` from the package's files (replacing FastAPI's CDN page, if any)."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.docs_url = None
    app.router.routes[:] = [r for r in app.router.routes if not _is_docs(r)]
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_FILES), name="docs-assets")

    async def swagger_ui(_: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no call to validator.swagger.io
        )
        html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
        return Response(
            html,
            media_type="text/html",
            headers={"Content-Security-Policy": docs_csp(nonce), "X-Content-Type-Options": "nosniff"},
        )

    app.add_route(DOCS, swagger_ui, include_in_schema=False)


def _is_docs(route: BaseRoute) -> bool:
    return isinstance(route, Route) and route.path == DOCS
