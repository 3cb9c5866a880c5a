"""The gateway serves every route of the public contract (docs/api.md) and the listed additions,
each exactly once and nothing else, and documents the bearer token on every admin route."""

import re
from collections import Counter

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from gateway.bootstrap import bootstrap
from gateway.console.web import CONSOLE
from gateway.entrypoints.http import ROUTERS
from gateway.settings import Settings

SETTINGS = Settings(database_url="postgresql://nobody:nothing@127.0.0.1:1/none")  # never connected to

CONTRACT = """
POST /api/v1/auth/token
POST /api/v1/admin/admins
GET /api/v1/admin/audit-log
POST /api/v1/learner/register
POST /api/v1/learner/sessions
GET /api/v1/admin/industries
POST /api/v1/admin/clients
GET /api/v1/admin/clients
GET /api/v1/admin/clients/{id}
PATCH /api/v1/admin/clients/{id}
GET /api/v1/admin/clients/{id}/learners
POST /api/v1/admin/classes
GET /api/v1/admin/classes
GET /api/v1/admin/classes/{id}
PATCH /api/v1/admin/classes/{id}
POST /api/v1/admin/classes/{id}/enrollments
POST /api/v1/admin/classes/{id}/client-assignments
POST /api/v1/admin/classes/{id}/client-removals
GET /api/v1/admin/reports/clients
GET /api/v1/admin/reports/classes/{id}
PUT /api/v1/admin/customers/{id}/client
POST /api/v1/admin/customers
GET /api/v1/admin/customers
GET /api/v1/admin/customers/{id}
PATCH /api/v1/admin/customers/{id}
PUT /api/v1/admin/customers/{id}/status
PUT /api/v1/admin/customers/{id}/password
POST /api/v1/admin/customers/{id}/password-link
PUT /api/v1/admin/customers/{id}/tax-exemption
PUT /api/v1/admin/customers/{id}/groups
POST /api/v1/admin/customers/{id}/registration-code-users/group
GET /api/v1/admin/customers/{id}/login-history
GET /api/v1/admin/customers/{id}/activity-log
POST /api/v1/admin/customers/{id}/impersonation
GET /api/v1/admin/customers/{id}/export
POST /api/v1/admin/customers/{id}/erasure
DELETE /api/v1/admin/customers/{id}
POST /api/v1/admin/groups
GET /api/v1/admin/groups
GET /api/v1/admin/customer-imports/template
POST /api/v1/admin/customer-imports
POST /api/v1/admin/products
GET /api/v1/admin/products
POST /api/v1/admin/customers/{id}/product-assignments
GET /api/v1/admin/customers/{id}/orders
GET /api/v1/admin/orders/{id}
GET /api/v1/admin/customers/{id}/access
PATCH /api/v1/admin/access/{id}
GET /api/v1/admin/customers/{id}/registration-code-users
GET /api/v1/admin/customers/{id}/registration-codes
DELETE /api/v1/admin/registration-codes/{code}/redemption
POST /api/v1/learner/orders
POST /api/v1/learner/registration-codes/{code}/redeem
POST /api/v1/learner/registration-codes/{code}/invitation
POST /api/v1/admin/modules
GET /api/v1/admin/modules
POST /api/v1/admin/courses
GET /api/v1/admin/courses
POST /api/v1/admin/certifications
GET /api/v1/admin/certifications
PATCH /api/v1/admin/modules/{id}
PATCH /api/v1/admin/courses/{id}
PATCH /api/v1/admin/certifications/{id}
GET /api/v1/admin/training-progress
POST /api/v1/admin/training-progress
POST /api/v1/admin/training-progress/deletions
GET /api/v1/admin/progress-imports/template
POST /api/v1/admin/progress-imports
GET /api/v1/admin/progress-imports/{id}/rows/new.csv
GET /api/v1/admin/progress-imports/{id}/rows/already-completed.csv
GET /api/v1/admin/progress-imports/{id}/rows/errors.csv
POST /api/v1/admin/progress-imports/{id}/commit
GET /api/v1/admin/customers/{id}/transcript
POST /api/v1/admin/customers/{id}/quiz-completions
GET /api/v1/admin/customers/{id}/quiz-submissions
DELETE /api/v1/admin/quiz-submissions/{id}
DELETE /api/v1/admin/customers/{id}/cmi/{module_id}
GET /api/v1/admin/partners/{client_id}/training-summary
POST /api/v1/learner/progress
PUT /api/v1/learner/cmi/{module_id}
POST /api/v1/learner/quizzes/{id}/submissions
GET /api/v1/admin/quizzes/{id}/responses
POST /api/v1/admin/integrations
GET /api/v1/admin/integrations
DELETE /api/v1/admin/integrations/{client_id}
"""


# Beyond api.md (allowed: the contract may grow, never rename): each documented in the README.
ADDITIONS = """
GET /api/v1/admin/classes/{id}/students
DELETE /api/v1/auth/token
DELETE /api/v1/learner/sessions/current
GET /api/v1/learner/profile
PATCH /api/v1/learner/profile
PUT /api/v1/learner/password
POST /api/v1/learner/password-setup
GET /api/v1/admin/customers/{id}/erasure
GET /api/v1/admin/customers/{id}/order-history
GET /api/v1/admin/customers/{id}/deletion
GET /api/v1/admin/customer-imports/{id}
GET /api/v1/admin/products/{id}
PATCH /api/v1/admin/products/{id}
GET /api/v1/admin/progress-imports/{id}
PATCH /api/v1/admin/customers/{id}/transcript/{item_id}
PUT /api/v1/auth/password
PATCH /api/v1/admin/admins/{username}
PUT /api/v1/admin/admins/{username}/password
DELETE /api/v1/admin/admins/{username}
POST /api/v1/integrations/customer-keys
"""


def served_operations() -> list[str]:
    return [
        f"{method} {route.path}"
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        if not route.path.startswith(CONSOLE)  # the admin console's pages: not the API
        for method in route.methods
    ]


def test_every_contract_route_is_served_exactly_once() -> None:
    served = Counter(served_operations())
    assert [op for op, count in served.items() if count > 1] == []
    contract, additions = (set(text.split("\n")) - {""} for text in (CONTRACT, ADDITIONS))
    assert contract.isdisjoint(additions)
    assert set(served) == contract | additions


def test_every_admin_operation_documents_the_bearer_token() -> None:
    _, app = bootstrap(SETTINGS)
    paths = app.openapi()["paths"]
    admin_operations = [op for path, item in paths.items() if path.startswith("/api/v1/admin") for op in item.values()]
    assert len(admin_operations) > 60
    assert all({"HTTPBearer": []} in op.get("security", []) for op in admin_operations)
    assert all("security" not in op for op in paths["/api/v1/learner/register"].values())


def test_the_app_serves_what_the_areas_declare() -> None:
    _, app = bootstrap(SETTINGS)
    documented = {f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items() for method in item}
    assert documented - {"GET /healthz", "GET /readyz"} == set(served_operations())


def _concrete(path: str) -> str:
    """A path of the route template, each parameter given a UUID-shaped value."""
    return re.sub(r"\{[^}]+\}", "3f1e8f0a-2b6c-4d7e-9a10-5c2b7e4d9f01", path)


def _first_match(routes: list[BaseRoute], method: str, path: str) -> tuple[object, Match]:
    """The router (or route) that takes the request, and how."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return getattr(route, "original_router", route), match
    return None, Match.NONE


def test_every_route_is_found_by_the_same_router_with_its_routers_gated() -> None:
    """``trainyard_common.http.routing``: the gates skip only routers that could not match."""
    _, gated = bootstrap(SETTINGS)
    ungated = FastAPI()
    for router in ROUTERS:
        ungated.include_router(router)
    operations = [op.split(" ", 1) for op in served_operations()]
    operations += [("GET", p) for p in ("/api/v1/admin/nothing", "/api/v1/learner/nothing")]
    for method, path in operations:
        expected = _first_match(ungated.router.routes, method, _concrete(path))
        assert _first_match(gated.router.routes, method, _concrete(path)) == expected, (method, path)
