"""Each service's AsyncAPI document names what it consumes and publishes, with payload schemas,
so a team that never read our code can subscribe."""

from __future__ import annotations

from pathlib import Path

import pytest
from asyncapi_docs import SERVICES, asyncapi_document, path_of, rendered

EXPECTED = {
    "customer_account": (
        {
            "UserRegistered",
            "CustomerProfileUpdated",
            "CustomerStatusChanged",
            "CustomerGroupsChanged",
            "CustomerImported",
            "CustomerErased",
            "CustomerDeleted",
            "CustomerDeletionRequested",
            "UserRegistered.v2",
            "CustomerProfileUpdated.v2",
            "CustomerImported.v2",
        },
        {
            "CustomerDeletionDecided",
            "ImportRowOrderSettled",
            "OrderCompleted",
            "AccessGranted",
            "AccessChanged",
            "AccessRevoked",
            "AccessExpired",
            "CustomerErasureCompleted",
            "LearnerAssignedToClient",
            "LearnerRemovedFromClient",
            "RegistrationCodeInvited",
            "ProgressRecorded",
            "TrainingCompleted",
        },
    ),
    "client_directory": (
        {"LearnerAssignedToClient", "LearnerRemovedFromClient", "CustomerErasureCompleted"},
        {
            "UserRegistered.v2",
            "CustomerProfileUpdated.v2",
            "ProgressRecorded",
            "TrainingCompleted",
            "ProgressDeleted",
            "OrderCompleted",
            "CustomerErased",
            "CustomerDeleted",
        },
    ),
    "commerce_access": (
        {
            "OrderCompleted",
            "AccessGranted",
            "AccessChanged",
            "AccessRevoked",
            "AccessExpired",
            "CustomerErasureCompleted",
            "CustomerDeletionDecided",
            "ImportRowOrderSettled",
            "RegistrationCodeInvited",
        },
        {
            "UserRegistered.v2",
            "CustomerProfileUpdated.v2",
            "CustomerImported.v2",
            "CustomerErased",
            "CustomerDeleted",
            "CustomerDeletionRequested",
        },
    ),
    "training_progress": (
        {"ProgressRecorded", "TrainingCompleted", "ProgressDeleted", "CustomerErasureCompleted"},
        {
            "UserRegistered.v2",
            "CustomerProfileUpdated.v2",
            "CustomerErased",
            "CustomerDeleted",
            "LearnerAssignedToClient",
            "LearnerRemovedFromClient",
            "AccessGranted",
            "AccessChanged",
            "AccessRevoked",
            "AccessExpired",
        },
    ),
}


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_the_asyncapi_document_lists_published_and_consumed_topics(package: str) -> None:
    document = asyncapi_document(package)
    published, consumed = EXPECTED[package]
    actions: dict[str, set[str]] = {"send": set(), "receive": set()}
    for operation in document["operations"].values():
        channel_name = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        actions[operation["action"]].add(document["channels"][channel_name]["address"])
    assert actions["send"] == published
    assert actions["receive"] == consumed
    for topic in published | consumed:
        assert topic in document["components"]["schemas"]


@pytest.mark.parametrize("package", SERVICES)
def test_the_committed_asyncapi_document_matches_the_code(package: str) -> None:
    committed: Path = path_of(package)
    assert committed.exists(), "run `make docs`"
    assert committed.read_text() == rendered(package), "run `make docs` and commit docs/asyncapi/"
