"""The events commerce-access consumes and publishes. Each handler: contract → command → service layer."""

from __future__ import annotations

from commerce_access.service_layer import erasure
from commerce_access.service_layer.deletion import decide_deletion
from commerce_access.service_layer.ordering import ImportRow, import_order
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerImportedV2,
    CustomerProfileUpdatedV2,
    ImportRowOrderSettled,
    OrderCompleted,
    RegistrationCodeInvited,
    UserRegisteredV2,
)
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.privacy.consumers import CustomerKeySource, dropping_the_key
from trainyard_common.projections import customers

PUBLISHED = (
    OrderCompleted,
    AccessGranted,
    AccessChanged,
    AccessRevoked,
    AccessExpired,
    CustomerErasureCompleted,
    CustomerDeletionDecided,
    ImportRowOrderSettled,
    RegistrationCodeInvited,
)
"""The events commerce-access publishes (through its outbox)."""


def register_handlers(subscriptions: EventSubscriptions, keys: CustomerKeySource) -> None:
    """``keys``: the customers' keys, to unseal the version 2 topics' personal fields (issue 16)."""
    # The customer projection (e-mails and names, for imports and the code users' list).
    projection = customers.SealedCustomerEvents(keys)
    subscriptions.batch_handler(UserRegisteredV2)(projection.on_users_registered)
    subscriptions.batch_handler(CustomerProfileUpdatedV2)(projection.on_customer_profiles_updated)
    # Version 2 too (the deprecated version 1 is retired), though no personal field is read: no key needed.
    subscriptions.handler(CustomerImportedV2)(on_customer_imported)
    subscriptions.handler(CustomerErased)(dropping_the_key(keys, on_customer_erased))
    subscriptions.handler(CustomerDeletionRequested)(on_customer_deletion_requested)
    subscriptions.handler(CustomerDeleted)(dropping_the_key(keys, on_customer_deleted))


async def on_customer_imported(event: CustomerImportedV2, uow: CommerceUnitOfWork) -> None:
    """A row with a price id becomes a completed order (once per import row) and access from
    `imported_at`, or is refused; either way the row is answered (ImportRowOrderSettled)."""
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


async def on_customer_erased(event: CustomerErased, uow: CommerceUnitOfWork) -> None:
    """Keep orders and access; forget the customer's name and e-mail; send the receipt."""
    await erasure.erase_customer(uow, event.customer_id)


async def on_customer_deletion_requested(event: CustomerDeletionRequested, uow: CommerceUnitOfWork) -> None:
    """Decide from this service's own orders and access, including any created while the request
    travelled (CustomerDeletionDecided); an approval keeps the customer from buying from now on."""
    await decide_deletion(uow, event.customer_id)


async def on_customer_deleted(event: CustomerDeleted, uow: CommerceUnitOfWork) -> None:
    """Delete the customer's orders, access and redemptions and send the receipt — only after an
    approved deletion (otherwise nothing is deleted, and a warning is logged)."""
    await erasure.delete_customer(uow, event.customer_id)
