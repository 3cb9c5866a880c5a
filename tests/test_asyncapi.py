"""Each service's AsyncAPI document names what it consumes and publishes, with payload schemas,
so a team that never read our code can subscribe."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

EXPECTED = {
    "customer_account": ({"UserRegistered"}, set()),
    "client_directory": ({"LearnerAssignedToClient"}, {"UserRegistered"}),
    "commerce_access": (set(), {"UserRegistered"}),
    "training_progress": (set(), {"UserRegistered"}),
}


def asyncapi_of(package: str) -> dict[str, Any]:
    bootstrap = importlib.import_module(f"{package}.bootstrap")
    settings = importlib.import_module(f"{package}.settings").Settings(database_url="postgresql://u@127.0.0.1:1/none")
    runtime, _ = bootstrap.bootstrap(settings)
    document: dict[str, Any] = runtime.asyncapi.schema.to_specification().to_jsonable()
    return document


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_the_asyncapi_document_lists_published_and_consumed_topics(package: str) -> None:
    document = asyncapi_of(package)
    published, consumed = EXPECTED[package]
    actions: dict[str, set[str]] = {"send": set(), "receive": set()}
    for operation in document["operations"].values():
        channel_name = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        actions[operation["action"]].add(document["channels"][channel_name]["address"])
    assert actions["send"] == published
    assert actions["receive"] == consumed
    for topic in published | consumed:
        assert topic in document["components"]["schemas"]
