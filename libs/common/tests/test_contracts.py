"""The event contracts: registry, keys, documentation, round trips and money."""

from __future__ import annotations

import json
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from trainyard_common.contracts import (
    ALL_EVENTS,
    EVENTS_BY_TOPIC,
    AccessChanged,
    AccessGranted,
    CustomerImported,
    Event,
    OrderCompleted,
    OrderLine,
    ProgressDeleted,
    ProgressRecorded,
    TrainingItemRef,
    UserRegistered,
    event_for_topic,
)
from trainyard_common.contracts.export import schema_for

# The architecture page's "Event choreography" table, plus the groups event of seed 001 and the
# registration code invitation of issue 17.
CHOREOGRAPHY = {
    "UserRegistered",
    "CustomerDeletionRequested",
    "CustomerDeletionDecided",
    "ImportRowOrderSettled",
    "CustomerProfileUpdated",
    "CustomerStatusChanged",
    "CustomerGroupsChanged",
    "CustomerImported",
    "OrderCompleted",
    "AccessGranted",
    "AccessChanged",
    "AccessRevoked",
    "AccessExpired",
    "LearnerAssignedToClient",
    "LearnerRemovedFromClient",
    "ProgressRecorded",
    "TrainingCompleted",
    "ProgressDeleted",
    "CustomerErased",
    "CustomerDeleted",
    "CustomerErasureCompleted",
    "RegistrationCodeInvited",
}

NOW = datetime(2025, 3, 22, 10, 0, 1, tzinfo=UTC)

by_topic = pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda event: event.topic())


def example_payload(model: type[BaseModel]) -> dict[str, Any]:
    """A payload made of each field's first documented example."""
    payload = {}
    for name, field in model.model_fields.items():
        assert field.examples, f"{model.__name__}.{name} has no examples"
        payload[name] = field.examples[0]
    return payload


def example_event(event: type[Event]) -> Event:
    return event.model_validate(example_payload(event))


def order(**changes: Any) -> OrderCompleted:
    line = OrderLine(
        product_id=uuid4(),
        price_id=uuid4(),
        product_name="Survey Design 101",
        quantity=3,
        unit_amount=Decimal("0.10"),
        currency="USD",
    )
    fields: dict[str, Any] = {
        "order_id": uuid4(),
        "customer_id": uuid4(),
        "lines": [line],
        "total": Decimal("0.30"),
        "currency": "USD",
        "source": "checkout",
        "idempotency_key": f"checkout:{uuid4()}",
        "completed_at": NOW,
    }
    return OrderCompleted(**(fields | changes))


def test_every_event_of_the_choreography_is_registered() -> None:
    assert {event.event_type for event in ALL_EVENTS} == CHOREOGRAPHY


def test_topics_are_unique_and_registered() -> None:
    topics = [event.topic() for event in ALL_EVENTS]
    assert len(set(topics)) == len(topics)
    assert set(EVENTS_BY_TOPIC) == set(topics)
    # a type's versions share its name (``UserRegistered``, ``UserRegistered.v2``), one contract per version
    assert len({(event.event_type, event.schema_version) for event in ALL_EVENTS}) == len(ALL_EVENTS)


@by_topic
def test_event_has_its_topic(event: type[Event]) -> None:
    assert event.event_type
    expected = event.event_type if event.schema_version == 1 else f"{event.event_type}.v{event.schema_version}"
    assert event.topic() == expected  # version 2 on: its own topic (issue 16's sealed versions)
    assert event_for_topic(event.topic()) is event
    assert "event_type" not in event.model_fields


@by_topic
def test_aggregate_field_is_a_required_uuid_field(event: type[Event]) -> None:
    field = event.model_fields.get(event.aggregate_field)
    assert field is not None, f"{event.__name__} has no field {event.aggregate_field!r}"
    assert field.is_required()
    assert field.annotation is UUID
    instance = example_event(event)
    assert instance.aggregate_id() == str(getattr(instance, event.aggregate_field))


@by_topic
def test_every_field_is_documented(event: type[Event]) -> None:
    schema = schema_for(event)
    models = [schema, *schema.get("$defs", {}).values()]
    for model in models:
        assert model.get("description"), f"{model['title']} has no docstring"
        for name, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{model['title']}.{name} has no description"
            assert prop.get("examples"), f"{model['title']}.{name} has no examples"


@by_topic
def test_examples_make_a_valid_event_that_matches_its_schema(event: type[Event]) -> None:
    instance = example_event(event)
    wire = json.loads(instance.model_dump_json())
    Draft202012Validator(schema_for(event)).validate(wire)


@by_topic
def test_round_trip_through_json(event: type[Event]) -> None:
    instance = example_event(event)
    assert event.model_validate_json(instance.model_dump_json()) == instance


@by_topic
def test_unknown_fields_are_ignored(event: type[Event]) -> None:
    payload = example_payload(event) | {"added_in_a_later_version": 1}
    assert event.model_validate(payload) == example_event(event)


@by_topic
def test_events_are_immutable(event: type[Event]) -> None:
    instance = example_event(event)
    with pytest.raises(ValidationError):
        setattr(instance, event.aggregate_field, uuid4())


@pytest.mark.parametrize(
    "amount",
    ["0.1", "0.30", "19.99", "12345678901234567890.123456789", "0"],
)
def test_money_travels_as_an_exact_string(amount: str) -> None:
    event = order(total=Decimal(amount))
    wire = json.loads(event.model_dump_json())
    assert wire["total"] == amount
    assert wire["lines"][0]["unit_amount"] == "0.10"
    assert OrderCompleted.model_validate_json(event.model_dump_json()).total == Decimal(amount)


def test_money_is_never_written_in_exponent_notation() -> None:
    assert json.loads(order(total=Decimal("1E+2")).model_dump_json())["total"] == "100"


def test_money_schema_says_decimal_string() -> None:
    total = schema_for(OrderCompleted)["properties"]["total"]
    assert total["type"] == "string"
    assert total["pattern"] == r"^\d+(\.\d+)?$"
    cost = schema_for(CustomerImported)["properties"]["cost"]
    assert {"type": "null"} in cost["anyOf"]
    assert "number" not in json.dumps(cost)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"total": Decimal("-1")}, "greater than or equal to 0"),
        ({"total": "NaN"}, "finite number"),
        ({"currency": "usd"}, "pattern"),
        ({"currency": "EUR"}, "order's currency"),
        ({"lines": []}, "at least 1 item"),
    ],
)
def test_bad_orders_are_rejected(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        order(**changes)


def test_access_may_be_unlimited_but_never_end_before_it_starts() -> None:
    fields: dict[str, Any] = {
        "access_id": uuid4(),
        "customer_id": uuid4(),
        "product_id": uuid4(),
        "order_id": uuid4(),
        "starts_on": date(2025, 3, 22),
        "granted_at": NOW,
    }
    unlimited = AccessGranted(**fields)
    assert unlimited.ends_on is None
    assert unlimited.training_item is None
    assert json.loads(unlimited.model_dump_json())["ends_on"] is None
    with pytest.raises(ValidationError, match="ends_on"):
        AccessGranted(**fields, ends_on=date(2025, 3, 21))


def test_access_change_keeps_the_previous_dates() -> None:
    changed = AccessChanged(
        access_id=uuid4(),
        customer_id=uuid4(),
        product_id=uuid4(),
        training_item=TrainingItemRef(type="certification", id=uuid4()),
        order_id=uuid4(),
        starts_on=date(2025, 3, 22),
        ends_on=None,
        previous_starts_on=date(2025, 3, 22),
        previous_ends_on=date(2025, 9, 21),
        changed_at=NOW,
    )
    again = AccessChanged.model_validate_json(changed.model_dump_json())
    assert again.previous_ends_on == date(2025, 9, 21)
    assert again.ends_on is None
    assert again.training_item == changed.training_item


def test_import_rows_carry_cost_with_currency_and_price() -> None:
    payload = example_payload(CustomerImported)
    assert CustomerImported.model_validate(payload | {"cost": None, "currency": None})
    assert CustomerImported.model_validate(payload | {"price_id": None, "cost": None, "currency": None})
    with pytest.raises(ValidationError, match="cost and currency"):
        CustomerImported.model_validate(payload | {"currency": None})
    with pytest.raises(ValidationError, match="price_id"):
        CustomerImported.model_validate(payload | {"price_id": None})


def test_completed_progress_has_a_completion_time() -> None:
    payload = example_payload(ProgressRecorded)
    started = ProgressRecorded.model_validate(payload | {"status": "in_progress", "completed_at": None, "score": None})
    assert started.score is None
    with pytest.raises(ValidationError, match="completed_at"):
        ProgressRecorded.model_validate(payload | {"completed_at": None})
    with pytest.raises(ValidationError, match="completed_at"):
        ProgressRecorded.model_validate(payload | {"status": "in_progress"})
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        ProgressRecorded.model_validate(payload | {"score": "100.5"})


def test_deleted_progress_says_whether_it_was_completed() -> None:
    payload = example_payload(ProgressDeleted)
    assert ProgressDeleted.model_validate(payload).was_completed
    with pytest.raises(ValidationError, match="completed_at"):
        ProgressDeleted.model_validate(payload | {"was_completed": False})


def test_new_event_times_must_carry_an_offset() -> None:
    payload = example_payload(ProgressDeleted) | {"deleted_at": "2025-04-03T09:12:00"}
    with pytest.raises(ValidationError, match="timezone"):
        ProgressDeleted.model_validate(payload)


def test_existing_user_registered_contract_is_unchanged() -> None:
    hints = typing.get_type_hints(UserRegistered)
    assert list(UserRegistered.model_fields) == [
        "customer_id",
        "email",
        "first_name",
        "last_name",
        "organization",
        "source",
        "registered_at",
    ]
    assert hints["registered_at"] is datetime
