"""The one gate in front of every /api/v1/admin route.

``admin_guard`` is a router-level dependency of every admin router (``admin_router``), so no
admin route can be added without it: a valid bearer token (401 otherwise, with ``WWW-Authenticate:
Bearer``), then a role allowed to use the request's method (403 otherwise: viewers only read).
Routes that need to know who is acting depend on ``Admin``; FastAPI runs the guard once.

An LMS integration's token (client credentials, ``service_layer.integrations``) passes the same
guard, but reaches only the routes that name one of its scopes (``openapi_extra=needs(Scope...)``
on a hand-written route, ``scope=`` on a ``Passthrough``): 403 ``insufficient_scope`` elsewhere.

A token's check is reused for at most ``TRAINYARD_TOKEN_CACHE_SECONDS`` (≤ 1 s) from an
in-process cache keyed by its hash (``adapters.token_cache``): no database round trip per
request, and a revocation anywhere is honoured within that second (at once in this process).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.adapters.actors import act_as_admin, act_as_integration
from gateway.adapters.token_cache import ADMIN_TOKENS, LEARNER_SESSIONS, customer_tag, principal_tag
from gateway.domain.admins import READ_ONLY_METHODS, Principal
from gateway.domain.integrations import InsufficientScope, Scope, check_scope
from gateway.domain.tokens import hash_token
from gateway.entrypoints.deps import app_settings, new_unit_of_work
from gateway.entrypoints.errors import AUTH_RESPONSES, ERROR_RESPONSES, AuthenticationRequired
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.auth import authenticate
from gateway.service_layer.integrations import authenticate_integration
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.errors import Forbidden

PRINCIPAL_STATE = "principal"
SCOPE_KEY = "x-integration-scope"  # in a route's openapi_extra: the scope an integration token needs


def needs(scope: Scope) -> dict[str, Any]:
    """``openapi_extra`` of a route an LMS integration holding ``scope`` may use (shown in OpenAPI)."""
    return {SCOPE_KEY: scope.value}


def route_scope(route: object) -> Scope | None:
    """The scope a route names for integrations; None: no integration may use it."""
    extra = getattr(route, "openapi_extra", None) or {}
    value = extra.get(SCOPE_KEY)
    return None if value is None else Scope(value)


bearer_scheme = HTTPBearer(auto_error=False, description="An admin token from POST /api/v1/auth/token.")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def admin_guard(request: Request, credentials: BearerToken) -> Principal:
    # The unit of work and the settings are taken from the app here, not as dependencies: the
    # guard runs on every admin request and mostly answers from the cache, where resolving two
    # more dependencies per request was a measurable share of a cached read's CPU.
    if credentials is None:
        raise AuthenticationRequired("A bearer token is required.")
    settings = app_settings(request)
    principal = await token_principal(
        lambda: new_unit_of_work(request), credentials.credentials, cache_seconds=settings.token_cache_seconds
    )
    if principal is None:
        raise AuthenticationRequired("The token is unknown, expired or revoked.")
    setattr(request.state, PRINCIPAL_STATE, principal)  # for the audit entry (auditing.py)
    if principal.integration is not None:
        act_as_integration(principal.integration)
        try:
            check_scope(frozenset(Scope(s) for s in principal.scopes), route_scope(request.scope.get("route")))
        except InsufficientScope as refused:
            needed = f"the `{refused.needed}` scope" if refused.needed else "an admin token"
            raise Forbidden(f"This route needs {needed}.", code="insufficient_scope") from None
        return principal
    act_as_admin(principal.username)
    if not principal.role.may(request.method):
        raise Forbidden(f"The {principal.role} role may only read.")
    _forget_learner_sessions_of_a_changed_customer(request, hold=settings.service_timeout_seconds)
    return principal


Admin = Annotated[Principal, Depends(admin_guard)]

CUSTOMER_ROUTE = f"{ADMIN}/customers/{{id}}"


def _forget_learner_sessions_of_a_changed_customer(request: Request, *, hold: float) -> None:
    """A change to a customer (a status, a password reset, a deletion, an erasure...) may end
    their sessions in customer-account: their cached learner sessions are forgotten now, and
    not cached again while the call may be under way (``entrypoints.learner_auth``)."""
    if request.method in READ_ONLY_METHODS:
        return
    path = getattr(request.scope.get("route"), "path_format", "")
    if path == CUSTOMER_ROUTE or path.startswith(f"{CUSTOMER_ROUTE}/"):
        LEARNER_SESSIONS.end(tag=customer_tag(request.path_params.get("id")), hold=hold)


async def token_principal(
    new_uow: Callable[[], GatewayUnitOfWork], raw_token: str, *, cache_seconds: float
) -> Principal | None:
    """Who holds the admin (or integration) token: from the short-lived cache
    (``adapters.token_cache``, keyed by the token's hash), else from the database (a unit of
    work from ``new_uow``, made only then), then cached."""

    async def from_the_database() -> tuple[Principal, str] | None:
        now = datetime.now(UTC)
        async with new_uow() as uow:
            principal = await authenticate(uow, raw_token, now=now)
            if principal is None:  # an integration's token? (revocation deletes them: checked here)
                principal = await authenticate_integration(uow, token_hash, now=now)
        return None if principal is None else (principal, principal_tag(principal))

    token_hash = hash_token(raw_token)
    return await ADMIN_TOKENS.lookup(token_hash, from_the_database, ttl=cache_seconds)


def admin_router(*, tags: list[str]) -> APIRouter:
    """A router of the admin API: under /api/v1/admin, behind the guard, documenting its refusals.

    Each area makes its own (rather than being included in one admin router) so that a route's
    path, as the audit log and the metrics name it, is its whole public path.
    """
    return APIRouter(
        prefix=ADMIN,
        tags=list(tags),
        dependencies=[Depends(admin_guard)],
        responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
    )
