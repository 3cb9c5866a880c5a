"""What routes share: the unit of work, the acting person (from the gateway's headers), and the
mapping of use-case errors to the common error body."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import Request

from customer_account.adapters.passwords import HashingPool
from customer_account.domain.actors import CUSTOMER, Actor
from customer_account.domain.errors import (
    CustomerNotFound,
    EmailAlreadyRegistered,
    GroupNameTaken,
    GroupNotFound,
    NotAllowed,
)
from customer_account.service_layer.sessions import SessionConfig
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.http.errors import Conflict, ErrorDetail, NotFound, Unprocessable

ACTOR_ADMIN_HEADER = "X-Actor-Admin"
IMPERSONATED_BY_HEADER = "X-Impersonated-By"


@dataclass(frozen=True, slots=True)
class Context:
    uow_factory: Callable[[], CustomerUnitOfWork]
    settings: Settings
    sessions: SessionConfig
    hashing: HashingPool


def admin_actor(request: Request) -> Actor:
    """An admin route: the gateway names the admin."""
    return Actor.admin(request.headers.get(ACTOR_ADMIN_HEADER) or "unknown admin")


def learner_actor(request: Request) -> Actor:
    """A learner route: the customer, or the admin impersonating them."""
    impersonator = request.headers.get(IMPERSONATED_BY_HEADER)
    return Actor.impersonating(impersonator) if impersonator else CUSTOMER


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    try:
        yield
    except CustomerNotFound as exc:
        raise NotFound("No such customer.") from exc
    except GroupNotFound as exc:
        raise Unprocessable(
            "The request is not valid.",
            code="unknown_group",
            details=[ErrorDetail(field="group_ids", reason=f"no group {exc.group_id}")],
        ) from exc
    except EmailAlreadyRegistered as exc:
        raise Conflict(
            "This e-mail address is already registered.",
            code="email_taken",
            details=[ErrorDetail(field="email", reason="already registered")],
        ) from exc
    except GroupNameTaken as exc:
        raise Conflict(
            "A group with this name exists.",
            code="group_name_taken",
            details=[ErrorDetail(field="name", reason="taken")],
        ) from exc
    except NotAllowed as exc:
        raise Conflict(exc.reason, code=exc.code) from exc
