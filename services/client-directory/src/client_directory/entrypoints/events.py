"""The events client-directory consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from client_directory.domain.reporting import OrderFact, ProgressFact
from client_directory.service_layer import lifecycle, reporting
from client_directory.service_layer.mapping import LearnerSeen, ProfileChanged, record_learner, record_profile_change
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import (
    CustomerDeleted,
    CustomerErased,
    CustomerProfileUpdated,
    OrderCompleted,
    ProfileField,
    ProgressDeleted,
    ProgressRecorded,
    ProgressStatus,
    TrainingCompleted,
    UserRegistered,
)
from trainyard_common.messaging.subscriptions import EventSubscriptions

REMAP_FIELDS = {ProfileField.EMAIL, ProfileField.ORGANIZATION}


def register_handlers(subscriptions: EventSubscriptions) -> None:
    @subscriptions.handler(UserRegistered)
    async def on_user_registered(event: UserRegistered, uow: DirectoryUnitOfWork) -> None:
        """Keep the learner and map them to a client by e-mail domain or organisation alias."""
        await record_learner(uow, LearnerSeen(event.customer_id, str(event.email), event.organization))

    @subscriptions.handler(CustomerProfileUpdated)
    async def on_profile_updated(event: CustomerProfileUpdated, uow: DirectoryUnitOfWork) -> None:
        """Re-map on an e-mail or organisation change (manual and class assignments stay)."""
        remap = bool(REMAP_FIELDS & set(event.changed_fields))
        await record_profile_change(
            uow, ProfileChanged(event.customer_id, str(event.email), event.organization, remap=remap)
        )

    @subscriptions.handler(ProgressRecorded)
    async def on_progress_recorded(event: ProgressRecorded, uow: DirectoryUnitOfWork) -> None:
        """Reporting: a progress entry started, changed or completed."""
        completed = event.status is ProgressStatus.COMPLETED
        fact = ProgressFact(
            event.progress_id,
            event.customer_id,
            event.item_type.value,
            completed,
            event.recorded_at,
            completed_at=event.completed_at,
        )
        await reporting.record_progress(uow, fact)

    @subscriptions.handler(TrainingCompleted)
    async def on_training_completed(event: TrainingCompleted, uow: DirectoryUnitOfWork) -> None:
        """Reporting: a completion (sent once per progress entry)."""
        fact = ProgressFact(
            event.progress_id, event.customer_id, event.item_type.value, True, event.completed_at, event.completed_at
        )
        await reporting.record_progress(uow, fact)

    @subscriptions.handler(ProgressDeleted)
    async def on_progress_deleted(event: ProgressDeleted, uow: DirectoryUnitOfWork) -> None:
        """Reporting: deleted progress is no longer counted."""
        recorded_at = event.completed_at or event.deleted_at
        fact = ProgressFact(
            event.progress_id,
            event.customer_id,
            event.item_type.value,
            event.was_completed,
            recorded_at,
            completed_at=event.completed_at,
        )
        await reporting.delete_progress(uow, fact, event.deleted_at)

    @subscriptions.handler(OrderCompleted)
    async def on_order_completed(event: OrderCompleted, uow: DirectoryUnitOfWork) -> None:
        """Reporting: orders and revenue per client."""
        fact = OrderFact(event.order_id, event.customer_id, event.total, event.currency, event.completed_at)
        await reporting.record_order(uow, fact)

    @subscriptions.handler(CustomerErased)
    async def on_customer_erased(event: CustomerErased, uow: DirectoryUnitOfWork) -> None:
        """Drop the learner's e-mail and organisation, keep the anonymous mapping; send the receipt."""
        await lifecycle.erase_customer(uow, event.customer_id)

    @subscriptions.handler(CustomerDeleted)
    async def on_customer_deleted(event: CustomerDeleted, uow: DirectoryUnitOfWork) -> None:
        """Remove the learner and every fact about them; send the receipt."""
        await lifecycle.delete_customer(uow, event.customer_id)
