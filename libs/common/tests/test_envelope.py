"""CloudEvents 1.0 Kafka binary-mode headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from trainyard_common.messaging.envelope import CONTENT_TYPE, Envelope, EnvelopeError


def envelope(**changes: object) -> Envelope:
    fields: dict[str, object] = {
        "event_type": "OrderCompleted",
        "source": "/trainyard/commerce-access",
        "schema_version": 1,
        "correlation_id": str(uuid4()),
        "subject": str(uuid4()),
        "event_id": str(uuid4()),
        "time": datetime(2025, 3, 22, 10, 0, 1, 123456, tzinfo=UTC),
    }
    return Envelope(**(fields | changes))  # type: ignore[arg-type]


def headers_of(env: Envelope) -> dict[str, bytes]:
    return dict(env.to_headers())


def test_round_trip_through_headers() -> None:
    original = envelope()
    assert Envelope.from_headers(original.to_headers()) == original


def test_round_trip_keeps_offset_and_version() -> None:
    original = envelope(time=datetime(2025, 3, 22, 6, 0, tzinfo=timezone(timedelta(hours=-4))), schema_version=2)
    again = Envelope.from_headers(original.to_headers())
    assert again.time == original.time
    assert again.time.utcoffset() == timedelta(hours=-4)
    assert again.schema_version == 2


def test_headers_are_binary_mode_cloudevents() -> None:
    env = envelope()
    headers = headers_of(env)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"com.trainyard.OrderCompleted"
    assert headers["ce_id"] == env.event_id.encode()
    assert headers["ce_source"] == b"/trainyard/commerce-access"
    assert headers["ce_schemaversion"] == b"1"
    assert headers["content-type"] == CONTENT_TYPE.encode()
    assert all(isinstance(value, bytes) for value in headers.values())


def test_accepts_a_mapping_of_strings() -> None:
    original = envelope()
    as_text = {key: value.decode() for key, value in original.to_headers()}
    assert Envelope.from_headers(as_text) == original


def test_correlation_defaults_to_the_event_id_and_empty_subject_is_left_out() -> None:
    env = envelope(correlation_id="", subject="")
    headers = headers_of(env)
    assert headers["ce_correlationid"] == env.event_id.encode()
    assert "ce_subject" not in headers
    assert Envelope.from_headers(env.to_headers()).correlation_id == env.event_id


def test_defaults_give_fresh_ids_and_aware_times() -> None:
    first = Envelope(event_type="UserRegistered", source="/trainyard/customer-account")
    second = Envelope(event_type="UserRegistered", source="/trainyard/customer-account")
    assert first.event_id != second.event_id
    assert first.time.tzinfo is not None


@pytest.mark.parametrize("header", ["ce_id", "ce_type", "ce_source", "ce_specversion"])
def test_missing_required_header_is_an_error(header: str) -> None:
    headers = [(key, value) for key, value in envelope().to_headers() if key != header]
    with pytest.raises(EnvelopeError, match=header):
        Envelope.from_headers(headers)


def test_no_headers_at_all_is_an_error() -> None:
    with pytest.raises(EnvelopeError, match="missing CloudEvents headers"):
        Envelope.from_headers([])


@pytest.mark.parametrize("version", [b"0.3", b"2.0", b""])
def test_wrong_specversion_is_an_error(version: bytes) -> None:
    headers = [(key, version if key == "ce_specversion" else value) for key, value in envelope().to_headers()]
    with pytest.raises(EnvelopeError, match="specversion"):
        Envelope.from_headers(headers)


@pytest.mark.parametrize(("header", "value"), [("ce_time", b"yesterday"), ("ce_schemaversion", b"one")])
def test_malformed_values_are_envelope_errors(header: str, value: bytes) -> None:
    headers = [(key, value if key == header else v) for key, v in envelope().to_headers()]
    with pytest.raises(EnvelopeError):
        Envelope.from_headers(headers)


def test_envelope_error_is_a_value_error() -> None:
    assert issubclass(EnvelopeError, ValueError)
