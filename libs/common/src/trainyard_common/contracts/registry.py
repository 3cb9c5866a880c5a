"""The topic registry: every event contract, and the topic it travels on."""

from __future__ import annotations

from trainyard_common.contracts.base import Event
from trainyard_common.contracts.clients import LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.contracts.commerce import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeletionDecided,
    ImportRowOrderSettled,
    OrderCompleted,
    RegistrationCodeInvited,
)
from trainyard_common.contracts.customers import (
    CustomerDeleted,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerImportedV2,
    CustomerProfileUpdated,
    CustomerProfileUpdatedV2,
    CustomerStatusChanged,
    UserRegistered,
    UserRegisteredV2,
)
from trainyard_common.contracts.training import (
    ProgressDeleted,
    ProgressRecorded,
    TrainingCompleted,
)

ALL_EVENTS: tuple[type[Event], ...] = (
    # customer-account
    UserRegistered,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerErased,
    CustomerDeleted,
    CustomerDeletionRequested,
    UserRegisteredV2,
    CustomerProfileUpdatedV2,
    CustomerImportedV2,
    # every service, in answer to CustomerErased / CustomerDeleted
    CustomerErasureCompleted,
    # client-directory
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    # commerce-access
    OrderCompleted,
    AccessGranted,
    AccessChanged,
    AccessRevoked,
    AccessExpired,
    CustomerDeletionDecided,
    ImportRowOrderSettled,
    RegistrationCodeInvited,
    # training-progress
    ProgressRecorded,
    TrainingCompleted,
    ProgressDeleted,
)

EVENTS_BY_TOPIC: dict[str, type[Event]] = {event.topic(): event for event in ALL_EVENTS}


def event_for_topic(topic: str) -> type[Event]:
    """The contract of a topic; ``KeyError`` for a topic Trainyard does not publish."""
    return EVENTS_BY_TOPIC[topic]
