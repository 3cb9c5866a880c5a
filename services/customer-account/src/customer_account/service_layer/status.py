"""Changing a customer's status: the event, the activity entry, and sessions ending at once."""

from __future__ import annotations

from datetime import datetime

from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor, ActorKind
from customer_account.domain.customer import Customer, CustomerStatus
from customer_account.domain.sign_in import SignInLock
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerStatusChanged
from trainyard_common.vocabulary import ActorKind as EventActor
from trainyard_common.vocabulary import CustomerStatus as EventStatus

EVENT_ACTOR = {
    ActorKind.ADMIN: EventActor.ADMIN,
    ActorKind.CUSTOMER: EventActor.LEARNER,
    ActorKind.SYSTEM: EventActor.SYSTEM,
}


async def apply_status(
    uow: CustomerUnitOfWork,
    customer: Customer,
    status: CustomerStatus,
    actor: Actor,
    at: datetime,
    *,
    reason: str | None = None,
) -> bool:
    """Within the caller's transaction; False when the status was already that."""
    if customer.status is status:
        if status is CustomerStatus.LOCKED and actor.kind is ActorKind.ADMIN:
            await uow.logins.record_lock(SignInLock.taken(customer.id, actor, at))  # an automatic lock becomes theirs
        return False
    previous = customer.change_status(status, at)
    await uow.customers.save(customer)
    if status is CustomerStatus.LOCKED:
        await uow.logins.record_lock(SignInLock.taken(customer.id, actor, at))  # who: an automatic lock lifts
    if status is not CustomerStatus.ACTIVE:
        await uow.sessions.end_all(customer.id)  # an inactive or locked customer is signed out at once
    details = {"from": previous.value, "to": status.value, **({"reason": reason} if reason else {})}
    uow.activity.add(Activity(customer.id, "status_changed", actor, at, details))
    uow.emit(
        CustomerStatusChanged(
            customer_id=customer.id,
            status=EventStatus(status.value),
            previous_status=EventStatus(previous.value),
            reason=reason,
            actor=EVENT_ACTOR[actor.kind],
            changed_at=at,
        )
    )
    return True
