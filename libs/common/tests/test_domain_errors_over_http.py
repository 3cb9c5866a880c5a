"""The one mapping of domain errors to HTTP: a route only calls its use case, and whatever the
use case refuses reaches the caller as the common error body with the right status."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from trainyard_common.domain_errors import Conflicting, DomainError, InvalidInput, NotFoundError
from trainyard_common.http.errors import install_error_handlers


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/use-case")
    async def use_case() -> None:
        raise error

    return app


async def answer(error: Exception) -> tuple[int, dict[str, object]]:
    transport = httpx.ASGITransport(app=app_raising(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        reply = await client.get("/use-case")
    return reply.status_code, reply.json()["error"]


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            InvalidInput("email", "not an e-mail address"),
            422,
            {
                "code": "validation_failed",
                "message": "The request is not valid.",
                "details": [{"field": "email", "reason": "not an e-mail address"}],
            },
        ),
        (
            InvalidInput("group_ids", "no group 7", code="unknown_group"),
            422,
            {
                "code": "unknown_group",
                "message": "The request is not valid.",
                "details": [{"field": "group_ids", "reason": "no group 7"}],
            },
        ),
        (
            Conflicting(
                "A group with this name exists.", code="group_name_taken", field_name="name", field_reason="taken"
            ),
            409,
            {
                "code": "group_name_taken",
                "message": "A group with this name exists.",
                "details": [{"field": "name", "reason": "taken"}],
            },
        ),
        (
            Conflicting("The import is committed."),
            409,
            {"code": "conflict", "message": "The import is committed.", "details": []},
        ),
        (NotFoundError("No such customer."), 404, {"code": "not_found", "message": "No such customer.", "details": []}),
        (
            NotFoundError("No such item.", field_name="item_id"),
            404,
            {
                "code": "not_found",
                "message": "No such item.",
                "details": [{"field": "item_id", "reason": "No such item."}],
            },
        ),
        (DomainError("Refused.", code="refused"), 400, {"code": "refused", "message": "Refused.", "details": []}),
    ],
)
async def test_a_refusal_becomes_the_error_body(error: Exception, status: int, body: dict[str, object]) -> None:
    assert await answer(error) == (status, body)


async def test_an_unexpected_exception_is_a_500_without_internals() -> None:
    status, body = await answer(RuntimeError("secret internals"))
    assert status == 500
    assert "secret" not in str(body)
