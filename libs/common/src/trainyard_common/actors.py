"""Who acts: the verified caller of a request as the ``ActedBy`` of the events it causes.

``ServiceAuthMiddleware`` verifies the gateway's token and keeps the caller for the request;
``current_acted_by()`` names the actor of whatever the request's code emits. Outside a request
(a schedule, a reaction to another event) it is the system.
"""

from __future__ import annotations

from trainyard_common.contracts.common import ActedBy
from trainyard_common.http.service_auth import Caller, current_caller
from trainyard_common.vocabulary import ActorKind

SYSTEM = ActedBy(kind=ActorKind.SYSTEM)


def acted_by(caller: Caller) -> ActedBy:
    """The actor of a verified call: an integration, an admin impersonating the learner, an admin,
    the learner, or (no one named) the system."""
    if caller.integration is not None:
        return ActedBy(kind=ActorKind.INTEGRATION, name=caller.integration)
    if caller.impersonated_by is not None:
        return ActedBy(kind=ActorKind.ADMIN, name=caller.impersonated_by, impersonated=True)
    if caller.admin is not None:
        return ActedBy(kind=ActorKind.ADMIN, name=caller.admin)
    if caller.customer_id is not None:
        return ActedBy(kind=ActorKind.LEARNER)
    return SYSTEM


def current_acted_by() -> ActedBy:
    """The actor of the running request, or the system outside any request."""
    found = current_caller()
    return SYSTEM if found is None else acted_by(found)
