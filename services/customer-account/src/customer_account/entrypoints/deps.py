"""What customer-account's routes receive: ``Annotated`` aliases read from the app's state
(``bootstrap`` puts the hashing pool and the session rules there) and the actor from the
gateway's verified service token (``trainyard_common.http.service_auth``), never from headers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from customer_account.adapters.passwords import HashingPool
from customer_account.domain.actors import CUSTOMER, Actor
from customer_account.service_layer.sessions import SessionConfig
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings as OwnSettings
from trainyard_common.http.deps import reading_unit_of_work, service_settings, unit_of_work
from trainyard_common.http.errors import Forbidden
from trainyard_common.http.service_auth import caller


async def admin_actor(request: Request) -> Actor:
    """An admin route: the gateway's token names the admin; without one the action is refused."""
    admin = caller(request).admin
    if admin is None:
        raise Forbidden("This is an admin action: the gateway names no admin.", code="admin_required")
    return Actor.admin(admin)


async def learner_actor(request: Request) -> Actor:
    """A learner route: the customer, or the admin impersonating them."""
    impersonator = caller(request).impersonated_by
    return Actor.impersonating(impersonator) if impersonator else CUSTOMER


async def session_rules(request: Request) -> SessionConfig:
    return cast(SessionConfig, request.app.state.sessions)


async def hashing_pool(request: Request) -> HashingPool:
    return cast(HashingPool, request.app.state.hashing)


UnitOfWork = Annotated[CustomerUnitOfWork, Depends(unit_of_work)]
ReadingUnitOfWork = Annotated[CustomerUnitOfWork, Depends(reading_unit_of_work)]
"""One per request (FastAPI caches it): a route may enter it more than once, one transaction each."""
Settings = Annotated[OwnSettings, Depends(service_settings)]
Sessions = Annotated[SessionConfig, Depends(session_rules)]
Hashing = Annotated[HashingPool, Depends(hashing_pool)]
AdminActor = Annotated[Actor, Depends(admin_actor)]
LearnerActor = Annotated[Actor, Depends(learner_actor)]
