"""Event contracts: pydantic models, one per event type, and the topic registry."""

from trainyard_common.contracts.base import Event
from trainyard_common.contracts.clients import LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.contracts.commerce import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    OrderCompleted,
    OrderLine,
)
from trainyard_common.contracts.common import CurrencyCode, Money, Percentage, TrainingItemRef
from trainyard_common.contracts.customers import (
    CustomerDeleted,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    UserRegistered,
)
from trainyard_common.contracts.registry import ALL_EVENTS, EVENTS_BY_TOPIC, event_for_topic
from trainyard_common.contracts.training import ProgressDeleted, ProgressRecorded, TrainingCompleted
from trainyard_common.vocabulary import (
    AccessRevocationReason,
    ActorKind,
    AssignmentReason,
    CustomerStatus,
    ErasureKind,
    OrderSource,
    ProfileField,
    ProgressSource,
    ProgressStatus,
    RegistrationSource,
    RemovalReason,
    ServiceName,
    TrainingItemType,
)

__all__ = [
    "ALL_EVENTS",
    "EVENTS_BY_TOPIC",
    "AccessChanged",
    "AccessExpired",
    "AccessGranted",
    "AccessRevocationReason",
    "AccessRevoked",
    "ActorKind",
    "AssignmentReason",
    "CurrencyCode",
    "CustomerDeleted",
    "CustomerErased",
    "CustomerErasureCompleted",
    "CustomerGroupsChanged",
    "CustomerImported",
    "CustomerProfileUpdated",
    "CustomerStatus",
    "CustomerStatusChanged",
    "ErasureKind",
    "Event",
    "LearnerAssignedToClient",
    "LearnerRemovedFromClient",
    "Money",
    "OrderCompleted",
    "OrderLine",
    "OrderSource",
    "Percentage",
    "ProfileField",
    "ProgressDeleted",
    "ProgressRecorded",
    "ProgressSource",
    "ProgressStatus",
    "RegistrationSource",
    "RemovalReason",
    "ServiceName",
    "TrainingCompleted",
    "TrainingItemRef",
    "TrainingItemType",
    "UserRegistered",
    "event_for_topic",
]
