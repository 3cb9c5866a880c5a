"""Use cases on registration codes: the purchaser invites someone to one, a learner redeems one,
an admin removes a redemption or lists the codes with their states."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from commerce_access.domain.access import Access, RevokeReason, grant
from commerce_access.domain.codes import Invitation, Redemption, normalise, normalise_email, state_of
from commerce_access.domain.errors import ConflictingState, NotFoundError
from commerce_access.service_layer import announcements
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.privacy import seal

PurchaserKey = Callable[[uuid.UUID], Awaitable[bytes | None]]
"""The purchaser's own data key (customer-account's, ``RemoteCustomerKeys`` in the app); None: it
was destroyed (the purchaser was erased). It raises when customer-account cannot be asked
(``KeysUnavailable``: the route answers 503 with Retry-After)."""


@dataclass(frozen=True, slots=True)
class Redeemed:
    redemption: Redemption
    access: Access
    created: bool


async def redeem(
    uow: CommerceUnitOfWork, code: str, customer_id: uuid.UUID, *, impersonated_by: str | None = None
) -> Redeemed:
    """The code's row lock makes concurrent redemptions wait their turn: the first takes the
    seat, the others find it taken (409). The learner who holds it gets it back (a retry).

    The customer projection is not consulted: a learner who registered a second ago (their
    UserRegistered not consumed here yet) redeems all the same — customer-account vouched for
    them when the gateway checked their token — and the projection row arriving later only names
    them in the code users' list. Only a deletion known here refuses (409 ``customer_deleted``).
    ``impersonated_by``: the admin redeeming it while impersonating (kept and told in AccessGranted)."""
    async with uow:
        found = await uow.codes.lock(normalise(code))
        if found is None:
            raise NotFoundError("No such registration code.")
        if await uow.orders.is_deleted(customer_id):
            raise ConflictingState("customer_deleted", "The customer was deleted.")
        live = await uow.codes.live_redemption(found.code)
        if live is not None:
            if live.customer_id != customer_id:
                raise ConflictingState("code_already_redeemed", "This registration code is already in use.")
            held = await uow.access.get(live.access_id)
            assert held is not None
            return Redeemed(live, held, created=False)
        order = await uow.orders.get(found.order_id)
        if order is None:
            raise NotFoundError("No such registration code.")
        now = datetime.now(UTC)
        row = grant(order, customer_id, now.date(), now, code=found.code)  # duration as bought
        redemption = Redemption(uuid.uuid4(), found.code, customer_id, row.id, now, impersonated_by)
        await uow.access.add(row)
        await uow.codes.add_redemption(redemption)
        await uow.codes.drop_invitation(found.code)  # redeemed, by the invitee or anyone: no longer pending
        uow.emit(announcements.access_granted(row, impersonated_by))
        await uow.commit()
    return Redeemed(redemption, row, created=True)


async def remove_redemption(uow: CommerceUnitOfWork, code: str) -> Access:
    """The user loses the access (AccessRevoked); the code is free for the purchaser again."""
    async with uow:
        found = await uow.codes.lock(normalise(code))
        if found is None:
            raise NotFoundError("No such registration code.")
        live = await uow.codes.live_redemption(found.code)
        if live is None:
            raise ConflictingState("code_not_redeemed", "Nobody holds this registration code.")
        now = datetime.now(UTC)
        await uow.codes.end_redemption(live, now)
        row = await uow.access.get(live.access_id, for_update=True)
        assert row is not None
        if row.revoked_at is None:
            row.revoke(RevokeReason.REGISTRATION_CODE_REMOVED, now)
            await uow.access.save(row)
            uow.emit(announcements.access_revoked(row))
        await uow.commit()
    return row


async def invite(
    uow: CommerceUnitOfWork,
    code: str,
    purchaser_id: uuid.UUID,
    email: str,
    *,
    key_of: PurchaserKey,
    impersonated_by: str | None = None,
) -> Invitation:
    """The purchaser invites someone by e-mail (RegistrationCodeInvited: customer-account sends it).

    404 when the code is not the caller's (another learner learns nothing of it); 409
    ``code_already_redeemed`` when someone holds it. Inviting again replaces the pending
    invitation; the earlier e-mail still carries the code, which stays the secret that redeems.

    The event carries the invitee's address sealed with the purchaser's key (issue 16), fetched
    with ``key_of`` before the transaction: customer-account unreachable raises (nothing written),
    a destroyed key (the purchaser was erased) refuses, 409 ``customer_erased``."""
    key = await key_of(purchaser_id)
    if key is None:
        raise ConflictingState("customer_erased", "The purchaser was erased: nobody can be invited on their behalf.")
    async with uow:
        found = await uow.codes.lock(normalise(code))
        if found is None or found.purchaser_id != purchaser_id:
            raise NotFoundError("No such registration code.")
        if await uow.codes.live_redemption(found.code) is not None:
            raise ConflictingState("code_already_redeemed", "This registration code is already in use.")
        order = await uow.orders.get(found.order_id)
        if order is None:
            raise NotFoundError("No such registration code.")
        invitation = Invitation(found.code, normalise_email(email), datetime.now(UTC), purchaser_id, impersonated_by)
        await uow.codes.put_invitation(invitation)
        sealed = seal(invitation.invitee_email, key, customer_id=purchaser_id, field="invitee_email")
        uow.emit(announcements.code_invited(invitation, order, sealed))
        await uow.commit()
    return invitation


async def code_states(uow: CommerceUnitOfWork, purchaser_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each code the customer bought with its state (available, pending_invite, redeemed)."""
    async with uow:
        rows = await uow.codes.states(purchaser_id)
    return [_with_state(row) for row in rows]


def _with_state(row: dict[str, Any]) -> dict[str, Any]:
    state = state_of(redeemed=row["redeemed_by"] is not None, invited=row["invitee_email"] is not None)
    return {**row, "state": state}
