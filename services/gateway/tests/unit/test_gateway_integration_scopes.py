"""LMS integrations: scopes in the domain, and which routes an integration token may reach
(declared next to each route; every other admin route refuses it)."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute

from gateway.domain.integrations import (
    InsufficientScope,
    InvalidIntegration,
    Scope,
    check_scope,
    issue_integration_token,
    requested_scopes,
    valid_name,
    valid_scopes,
)
from gateway.domain.tokens import hash_token
from gateway.entrypoints.http import ADMIN_AREAS, ROUTERS
from gateway.entrypoints.security import route_scope

# Every route an integration may use, and the scope it needs: nothing else.
SCOPED = {
    "PUT /api/v1/admin/customers/{id}/client": Scope.CLIENTS_ASSIGN,
    "POST /api/v1/admin/classes/{id}/client-assignments": Scope.CLIENTS_ASSIGN,
    "POST /api/v1/admin/classes/{id}/client-removals": Scope.CLIENTS_ASSIGN,
    "POST /api/v1/admin/training-progress": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/progress-imports/template": Scope.PROGRESS_WRITE,
    "POST /api/v1/admin/progress-imports": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/progress-imports/{id}": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/progress-imports/{id}/rows/new.csv": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/progress-imports/{id}/rows/already-completed.csv": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/progress-imports/{id}/rows/errors.csv": Scope.PROGRESS_WRITE,
    "POST /api/v1/admin/progress-imports/{id}/commit": Scope.PROGRESS_WRITE,
    "GET /api/v1/admin/customers": Scope.CUSTOMERS_READ,
    "GET /api/v1/admin/customers/{id}": Scope.CUSTOMERS_READ,
    "POST /api/v1/integrations/customer-keys": Scope.PERSONAL_DATA_READ,  # integrations only (issue 16)
}


def _scoped_routes() -> dict[str, Scope | None]:
    return {
        f"{method} {route.path}": route_scope(route)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def test_only_the_listed_routes_name_a_scope() -> None:
    routes = _scoped_routes()
    assert {op: scope for op, scope in routes.items() if scope is not None} == SCOPED


def test_management_audit_and_learner_routes_name_no_scope() -> None:
    routes = _scoped_routes()
    for op, scope in routes.items():
        if "/admin/integrations" in op or "/admins" in op or "/audit-log" in op or "/learner/" in op or "/auth/" in op:
            assert scope is None, op
    admin_ops = [route for router in ADMIN_AREAS for route in router.routes if isinstance(route, APIRoute)]
    assert len(admin_ops) > 60


def test_a_token_passes_only_where_its_scope_is_named() -> None:
    granted = frozenset({Scope.CLIENTS_ASSIGN, Scope.CUSTOMERS_READ})
    check_scope(granted, Scope.CLIENTS_ASSIGN)
    with pytest.raises(InsufficientScope):
        check_scope(granted, Scope.PROGRESS_WRITE)
    with pytest.raises(InsufficientScope):
        check_scope(granted, None)  # a route naming no scope: never an integration's


def test_scopes_and_names_are_validated() -> None:
    assert valid_scopes(["clients:assign", "clients:assign"]) == {Scope.CLIENTS_ASSIGN}
    with pytest.raises(InvalidIntegration):
        valid_scopes([])
    with pytest.raises(InvalidIntegration):
        valid_scopes(["admin:all"])
    assert valid_name(" Moodle ") == "moodle"
    with pytest.raises(InvalidIntegration):
        valid_name("no spaces please")


def test_a_token_request_may_narrow_but_not_widen_the_scopes() -> None:
    granted = frozenset({Scope.CLIENTS_ASSIGN, Scope.CUSTOMERS_READ})
    assert requested_scopes(granted, None) == granted
    assert requested_scopes(granted, "  ") == granted
    assert requested_scopes(granted, "customers:read") == {Scope.CUSTOMERS_READ}
    assert requested_scopes(granted, "customers:read progress:write") is None


def test_an_issued_token_is_stored_as_a_hash_and_expires() -> None:
    now = datetime.now(UTC)
    issued = issue_integration_token("int_x", frozenset({Scope.CUSTOMERS_READ}), now=now, ttl_seconds=900)
    assert issued.token.token_hash == hash_token(issued.raw) != issued.raw
    assert issued.token.is_active(now + timedelta(seconds=899))
    assert not issued.token.is_active(now + timedelta(seconds=900))
