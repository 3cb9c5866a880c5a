"""commerce-access's part of a customer's GDPR export: orders and access as CSV."""

import uuid

from fastapi import APIRouter

from commerce_access.domain.access import Access
from commerce_access.domain.orders import Order
from commerce_access.entrypoints.deps import UnitOfWork
from trainyard_common.csv_cells import export_file
from trainyard_common.http.export_parts import ExportPart

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

router = APIRouter(prefix="/v1", tags=["export"])


@router.get("/customers/{customer_id}/export")
async def export_part(customer_id: uuid.UUID, uow: UnitOfWork) -> ExportPart:
    async with uow:
        orders, _ = await uow.orders.of_customer(customer_id, EVERYTHING, 0)
        rows, _ = await uow.access.of_customer(customer_id, EVERYTHING, 0)
    return ExportPart(
        files=[
            export_file("orders.csv", ORDER_HEADER, [_order_row(o) for o in orders]),
            export_file("access.csv", ACCESS_HEADER, [_access_row(a) for a in rows]),
        ]
    )


def _order_row(o: Order) -> tuple[object, ...]:
    """In ``ORDER_HEADER`` order."""
    return (
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


def _access_row(a: Access) -> tuple[object, ...]:
    """In ``ACCESS_HEADER`` order."""
    return (
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
