"""commerce-access's part of a customer's GDPR export: orders and access as CSV."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.http.export_parts import ExportPart, csv_file

EVERYTHING = 1_000_000
ORDER_HEADER = (
    "order_id",
    "completed_at",
    "source",
    "product",
    "price_id",
    "quantity",
    "unit_amount",
    "total",
    "currency",
)
ACCESS_HEADER = (
    "access_id",
    "product",
    "order_id",
    "registration_code",
    "starts_on",
    "ends_on",
    "granted_at",
    "revoked_at",
    "revoke_reason",
)


def add_export_routes(router: APIRouter, uow_factory: Callable[[], CommerceUnitOfWork]) -> None:
    UnitOfWork = Annotated[CommerceUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.get("/customers/{customer_id}/export", tags=["export"])
    async def export_part(customer_id: uuid.UUID, uow: UnitOfWork) -> ExportPart:
        async with uow:
            orders, _ = await uow.orders.of_customer(customer_id, EVERYTHING, 0)
            rows, _ = await uow.access.of_customer(customer_id, EVERYTHING, 0)
        order_rows = [
            (
                o.id,
                o.completed_at.isoformat(),
                o.source.value,
                o.product_name,
                o.price_id,
                o.quantity,
                o.unit_amount,
                o.total,
                o.currency,
            )
            for o in orders
        ]
        access_rows = [
            (
                a.id,
                a.product_name,
                a.order_id,
                a.registration_code,
                a.starts_on,
                a.ends_on,
                a.granted_at.isoformat(),
                a.revoked_at.isoformat() if a.revoked_at else None,
                a.revoke_reason.value if a.revoke_reason else None,
            )
            for a in rows
        ]
        return ExportPart(
            files=[csv_file("orders.csv", ORDER_HEADER, order_rows), csv_file("access.csv", ACCESS_HEADER, access_rows)]
        )
