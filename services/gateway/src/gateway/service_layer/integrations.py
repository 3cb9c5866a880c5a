"""LMS integrations: create, list, revoke (admins), exchange client credentials for a token,
and check an integration token."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.admins import Principal, Role
from gateway.domain.audit import Outcome
from gateway.domain.integrations import (
    Integration,
    actor_of,
    issue_integration_token,
    new_client_id,
    new_secret,
    requested_scopes,
    scope_string,
    valid_name,
    valid_scopes,
)
from gateway.domain.sign_in_throttle import SignInThrottle
from gateway.service_layer.auth import SIGN_IN, Sleep, audit_entry, check_throttle, hashed
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.domain_errors import Conflicting, NotFoundError
from trainyard_common.logs import get_logger
from trainyard_common.passwords.gate import HashingGate

log = get_logger(__name__)

CLIENT_ID_MAX_LENGTH = 64
CLIENT_ACTOR_PREFIX = "integration-client:"  # the actor of token requests (throttled per client id)


class InvalidClient(Exception):
    """Unknown client id, wrong secret or a revoked integration: one error, one answer."""


class InvalidScope(Exception):
    """The token request asks for a scope the integration was not granted."""


class IntegrationNameTaken(Conflicting):
    def __init__(self, name: str) -> None:
        super().__init__(
            "An active integration has this name.",
            code="integration_name_taken",
            field_name="name",
            field_reason="already taken",
        )
        self.name = name


class IntegrationNotFound(NotFoundError):
    def __init__(self, client_id: str) -> None:
        super().__init__("No active integration has this client id.", field_name="client_id")
        self.client_id = client_id


@dataclass(frozen=True, slots=True)
class CreateIntegration:
    name: str
    scopes: list[str]
    created_by: str


@dataclass(frozen=True, slots=True)
class CreatedIntegration:
    integration: Integration
    client_secret: str  # shown once, never stored


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    scope: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class IntegrationSignedIn:
    access_token: str
    expires_in: int
    scope: str


async def create_integration(
    uow: GatewayUnitOfWork, command: CreateIntegration, *, passwords: Passwords, gate: HashingGate | None = None
) -> CreatedIntegration:
    name = valid_name(command.name)
    scopes = valid_scopes(command.scopes)
    secret = new_secret()
    secret_hash = await hashed(gate, passwords.hash, secret)
    integration = Integration(
        client_id=new_client_id(), name=name, scopes=scopes, secret_hash=secret_hash, created_by=command.created_by
    )
    if not await uow.integrations.add(integration):
        raise IntegrationNameTaken(name)
    await uow.commit()
    return CreatedIntegration(integration=integration, client_secret=secret)


async def list_integrations(uow: GatewayUnitOfWork) -> list[Integration]:
    return await uow.integrations.active()


async def revoke_integration(uow: GatewayUnitOfWork, client_id: str, *, now: datetime) -> Integration:
    """Revoke at once: its tokens are deleted and refused from the next request."""
    revoked = await uow.integrations.revoke(client_id, now)
    if revoked is None:
        raise IntegrationNotFound(client_id)
    await uow.commit()
    return revoked


async def issue_client_token(
    uow: GatewayUnitOfWork,
    command: ClientCredentials,
    *,
    passwords: Passwords,
    ttl_seconds: int,
    now: datetime,
    throttle: SignInThrottle = SignInThrottle(),
    gate: HashingGate | None = None,
    sleep: Sleep = asyncio.sleep,
) -> IntegrationSignedIn:
    """Client credentials grant (RFC 6749 §4.4). The secret's hash is verified even for an unknown
    or revoked client id (against a decoy), so the answers cannot be told apart; failures count in
    the admin sign-in throttle (action ``sign-in``, actor ``integration-client:<client_id>``)."""
    client_id = command.client_id.strip()[:CLIENT_ID_MAX_LENGTH]
    actor = f"{CLIENT_ACTOR_PREFIX}{client_id}"
    delay = await check_throttle(uow, actor, command.client_ip, throttle, now)
    integration = await uow.integrations.by_client_id(client_id)
    await uow.release()
    if delay > 0:
        await sleep(delay)
    known = integration is not None and integration.active
    verified = await hashed(
        gate, passwords.verify, integration.secret_hash if integration and known else None, command.client_secret
    )
    if integration is None or not known or not verified:
        await uow.audit.add(audit_entry(actor, SIGN_IN, None, Outcome.DENIED, 401, client_ip=command.client_ip))
        await uow.commit()
        log.warning("integration token refused", client_id=client_id, client_ip=command.client_ip)
        raise InvalidClient
    scopes = requested_scopes(integration.scopes, command.scope)
    if scopes is None:
        raise InvalidScope
    issued = issue_integration_token(integration.client_id, scopes, now=now, ttl_seconds=ttl_seconds)
    await uow.integrations.add_token(issued.token, now)
    await uow.audit.add(
        audit_entry(
            actor,
            SIGN_IN,
            f"integration:{integration.name}",
            Outcome.SUCCESS,
            200,
            client_ip=command.client_ip,
        )
    )
    await uow.commit()
    return IntegrationSignedIn(access_token=issued.raw, expires_in=ttl_seconds, scope=scope_string(scopes))


async def authenticate_integration(uow: GatewayUnitOfWork, token_hash: str, *, now: datetime) -> Principal | None:
    """The integration holding the token (by its SHA-256); None when unknown, expired or revoked.

    As a principal it has the ``admin`` role (it writes), but only the routes naming one of its
    ``scopes`` let it through (``entrypoints.security``)."""
    found = await uow.integrations.token_holder(token_hash)
    if found is None:
        return None
    token, integration = found
    if not token.is_active(now):
        return None
    return Principal(
        admin_id=_placeholder_id(integration.client_id),
        username=actor_of(integration.name),
        role=Role.ADMIN,
        integration=integration.name,
        scopes=frozenset(scope.value for scope in token.scopes),
    )


def _placeholder_id(client_id: str) -> uuid.UUID:
    """A stable id for the principal (no admin row stands behind it)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"trainyard:integration:{client_id}")
