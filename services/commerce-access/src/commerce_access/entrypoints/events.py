"""The events commerce-access consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from commerce_access.service_layer import lifecycle
from commerce_access.service_layer.ordering import ImportRow, import_order
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import CustomerDeleted, CustomerErased, CustomerImported
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.projections.customers import keep_customer_projection


def register_handlers(subscriptions: EventSubscriptions) -> None:
    keep_customer_projection(subscriptions)

    @subscriptions.handler(CustomerImported)
    async def on_customer_imported(event: CustomerImported, uow: CommerceUnitOfWork) -> None:
        """A row with a price id becomes a completed order (once per import row) and access from `imported_at`."""
        if event.price_id is None:
            return
        row = ImportRow(
            event.import_id,
            event.row_number,
            event.customer_id,
            event.price_id,
            event.cost,
            event.currency,
            event.imported_at,
        )
        await import_order(uow, row)

    @subscriptions.handler(CustomerErased)
    async def on_customer_erased(event: CustomerErased, uow: CommerceUnitOfWork) -> None:
        """Keep orders and access; forget the customer's name and e-mail; send the receipt."""
        await lifecycle.erase_customer(uow, event.customer_id)

    @subscriptions.handler(CustomerDeleted)
    async def on_customer_deleted(event: CustomerDeleted, uow: CommerceUnitOfWork) -> None:
        """Delete the customer's orders, access and redemptions; send the receipt."""
        await lifecycle.delete_customer(uow, event.customer_id)
