"""Registration codes and their redemptions in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce_access.adapters.tables import code_invitations, code_redemptions, orders, registration_codes
from commerce_access.domain.codes import Invitation, Redemption, RegistrationCode
from trainyard_common.db.batches import any_of
from trainyard_common.projections.customers import customers as customers_table

# Built once: a page of order history runs it on every read of a customer's orders section.
_OF_ORDERS = (
    select(registration_codes.c.order_id, registration_codes.c.code)
    .where(any_of(registration_codes.c.order_id, "order_ids"))
    .order_by(registration_codes.c.code)
)


def code_values(code: RegistrationCode) -> dict[str, object]:
    """The ``registration_codes`` row of ``code``, by column."""
    return {
        "code": code.code,
        "order_id": code.order_id,
        "purchaser_id": code.purchaser_id,
        "product_id": code.product_id,
        "created_at": code.created_at,
    }


def _code(row: Any) -> RegistrationCode:
    return RegistrationCode(row.code, row.order_id, row.purchaser_id, row.product_id, row.created_at)


def _redemption(row: Any) -> Redemption:
    return Redemption(row.id, row.code, row.customer_id, row.access_id, row.redeemed_at, row.impersonated_by)


class CodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_all(self, codes: list[RegistrationCode]) -> None:
        if codes:
            await self._session.execute(insert(registration_codes), [code_values(c) for c in codes])

    async def lock(self, code: str) -> RegistrationCode | None:
        """The code, row-locked: concurrent redemptions of one code queue here, one at a time."""
        query = select(registration_codes).where(registration_codes.c.code == code).with_for_update()
        row = (await self._session.execute(query)).first()
        return _code(row) if row else None

    async def of_order(self, order_id: uuid.UUID) -> list[str]:
        query = select(registration_codes.c.code).where(registration_codes.c.order_id == order_id)
        return list((await self._session.execute(query.order_by(registration_codes.c.code))).scalars())

    async def of_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """``of_order`` for several orders in one statement (a page of order history)."""
        found: dict[uuid.UUID, list[str]] = {order_id: [] for order_id in order_ids}
        if order_ids:
            for row in await self._session.execute(_OF_ORDERS, {"order_ids": list(order_ids)}):
                found[row.order_id].append(row.code)
        return found

    async def live_redemption(self, code: str) -> Redemption | None:
        query = select(code_redemptions).where(code_redemptions.c.code == code, code_redemptions.c.removed_at.is_(None))
        row = (await self._session.execute(query)).first()
        return _redemption(row) if row else None

    async def add_redemption(self, redemption: Redemption) -> None:
        await self._session.execute(
            insert(code_redemptions).values(
                id=redemption.id,
                code=redemption.code,
                customer_id=redemption.customer_id,
                access_id=redemption.access_id,
                redeemed_at=redemption.redeemed_at,
                impersonated_by=redemption.impersonated_by,
            )
        )

    async def end_redemption(self, redemption: Redemption, at: datetime) -> None:
        await self._session.execute(
            update(code_redemptions).where(code_redemptions.c.id == redemption.id).values(removed_at=at)
        )

    async def users(self, purchaser_id: uuid.UUID) -> list[dict[str, Any]]:
        """Who holds the purchaser's codes now, named from the customer projection when known."""
        query = (
            select(
                code_redemptions.c.code,
                code_redemptions.c.customer_id,
                code_redemptions.c.redeemed_at,
                code_redemptions.c.access_id,
                registration_codes.c.order_id,
                registration_codes.c.product_id,
                orders.c.product_name,
                customers_table.c.first_name,
                customers_table.c.last_name,
                customers_table.c.email,
            )
            .join(registration_codes, registration_codes.c.code == code_redemptions.c.code)
            .join(orders, orders.c.id == registration_codes.c.order_id)
            .outerjoin(customers_table, customers_table.c.customer_id == code_redemptions.c.customer_id)
            .where(registration_codes.c.purchaser_id == purchaser_id, code_redemptions.c.removed_at.is_(None))
            .order_by(code_redemptions.c.redeemed_at, code_redemptions.c.code)
        )
        return [dict(r._mapping) for r in (await self._session.execute(query)).all()]

    async def forget_redeemer(self, customer_id: uuid.UUID) -> None:
        """A deleted customer's seats return to their purchasers."""
        await self._session.execute(delete(code_redemptions).where(code_redemptions.c.customer_id == customer_id))

    async def delete_of_orders(self, order_ids: list[uuid.UUID]) -> None:
        if order_ids:
            await self._session.execute(delete(registration_codes).where(registration_codes.c.order_id.in_(order_ids)))

    # Invitations (0006): the purchaser's pending invitation to a code, one per code.

    async def invitation(self, code: str) -> Invitation | None:
        row = (await self._session.execute(select(code_invitations).where(code_invitations.c.code == code))).first()
        if row is None:
            return None
        return Invitation(row.code, row.invitee_email, row.invited_at, row.invited_by, row.impersonated_by)

    async def put_invitation(self, invitation: Invitation) -> None:
        """A new invitation replaces the code's pending one."""
        values = {
            "code": invitation.code,
            "invitee_email": invitation.invitee_email,
            "invited_at": invitation.invited_at,
            "invited_by": invitation.invited_by,
            "impersonated_by": invitation.impersonated_by,
        }
        query = pg_insert(code_invitations).values(values)
        update_values = {k: query.excluded[k] for k in values if k != "code"}
        await self._session.execute(query.on_conflict_do_update(index_elements=["code"], set_=update_values))

    async def drop_invitation(self, code: str) -> None:
        await self._session.execute(delete(code_invitations).where(code_invitations.c.code == code))

    async def forget_invitations_of(self, purchaser_id: uuid.UUID) -> None:
        """An erased purchaser: the invitees' e-mail addresses (personal data) go."""
        owned = select(registration_codes.c.code).where(registration_codes.c.purchaser_id == purchaser_id)
        await self._session.execute(
            delete(code_invitations).where(
                (code_invitations.c.invited_by == purchaser_id) | code_invitations.c.code.in_(owned)
            )
        )

    async def states(self, purchaser_id: uuid.UUID) -> list[dict[str, Any]]:
        """Every code the purchaser bought, with its live redemption (and the redeemer's name when
        known here) and its pending invitation, oldest order first."""
        live = select(code_redemptions).where(code_redemptions.c.removed_at.is_(None)).subquery("live")
        query = (
            select(
                registration_codes.c.code,
                registration_codes.c.order_id,
                registration_codes.c.product_id,
                registration_codes.c.created_at,
                orders.c.product_name,
                live.c.customer_id.label("redeemed_by"),
                live.c.redeemed_at,
                customers_table.c.first_name,
                customers_table.c.last_name,
                customers_table.c.email,
                code_invitations.c.invitee_email,
                code_invitations.c.invited_at,
            )
            .join(orders, orders.c.id == registration_codes.c.order_id)
            .outerjoin(live, live.c.code == registration_codes.c.code)
            .outerjoin(customers_table, customers_table.c.customer_id == live.c.customer_id)
            .outerjoin(code_invitations, code_invitations.c.code == registration_codes.c.code)
            .where(registration_codes.c.purchaser_id == purchaser_id)
            .order_by(registration_codes.c.created_at, registration_codes.c.code)
        )
        return [dict(r._mapping) for r in (await self._session.execute(query)).all()]
