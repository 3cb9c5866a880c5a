"""Tracing: the outbox stores the current trace context, each consumed event is handled in a
span continuing it, and nothing is written or installed while tracing is off.

These tests use a tracer provider of their own, never the global one: the rest of the test
process runs with tracing off, as it is by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from trainyard_common.contracts import UserRegistered
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.logs import configure_logging, get_logger
from trainyard_common.messaging.delivered import Delivered, read_record
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.outbox import Cause
from trainyard_common.tracing import consumer_spans, inject_trace_context, tracing_enabled, tracing_requested
from trainyard_common.vocabulary import RegistrationSource


class RecordingSession:
    """Stands in for AsyncSession: keeps the rows inserted into the outbox."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []

    async def execute(self, statement: Any, params: Any = None) -> None:
        assert str(statement).startswith("INSERT INTO outbox")
        self.headers.extend(json.loads(row[3]) for row in json.loads(params["rows"]))

    async def commit(self) -> None:
        pass

    async def rollback(self) -> None:
        pass

    async def close(self) -> None:
        pass


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def registered() -> UserRegistered:
    return UserRegistered(
        customer_id=uuid.uuid4(),
        email="",  # version 1 is deprecated: its personal fields are empty
        first_name="",
        last_name="",
        source=RegistrationSource.SELF_REGISTRATION,
        registered_at=datetime.now(UTC),
    )


async def outbox_headers_of_one_event(cause: Cause | None = None) -> dict[str, str]:
    session = RecordingSession()
    async with SqlUnitOfWork(lambda: session, source="/trainyard/test") as uow:  # type: ignore[arg-type,return-value]
        uow.emit(registered(), cause=cause)
        await uow.commit()
    [headers] = session.headers
    return headers


def trace_id_of(traceparent: str) -> int:
    version, trace_id, span_id, flags = traceparent.split("-")
    assert (version, len(span_id), len(flags)) == ("00", 16, 2)
    return int(trace_id, 16)


async def test_the_outbox_row_carries_the_traceparent_of_the_current_span(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    tracer = spans[0].get_tracer("test")
    with tracer.start_as_current_span("POST /v1/customers") as span:
        headers = await outbox_headers_of_one_event()
    context = span.get_span_context()
    assert trace_id_of(headers["traceparent"]) == context.trace_id
    assert headers["traceparent"].split("-")[2] == f"{context.span_id:016x}"
    assert headers["ce_type"] == "com.trainyard.UserRegistered"  # the envelope is untouched


async def test_without_a_span_no_trace_header_is_written() -> None:
    assert not tracing_enabled()  # the default: no SDK provider installed in this process
    headers = await outbox_headers_of_one_event()
    assert "traceparent" not in headers
    assert "tracestate" not in headers
    assert not [k for k in headers if not k.startswith("ce_") and k != "content-type"]


def test_an_invalid_span_context_writes_nothing() -> None:
    headers: dict[str, str] = {}
    with trace.use_span(trace.INVALID_SPAN):
        inject_trace_context(headers)
    assert headers == {}


@pytest.mark.parametrize(
    ("env", "requested"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "x"}, False),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_tracing_is_off_unless_the_otel_variables_ask_for_it(env: dict[str, str], requested: bool) -> None:
    assert tracing_requested(env) is requested


CONFIGURE = """
from opentelemetry import trace
from trainyard_common.tracing import configure_tracing
assert configure_tracing("customer-account") and configure_tracing("customer-account")  # idempotent
provider = trace.get_tracer_provider()
with trace.get_tracer("t").start_as_current_span("work", attributes={"messaging.kafka.message.key": b"k1"}):
    pass
provider.force_flush()
"""


def run_configure(**env: str) -> subprocess.CompletedProcess[str]:
    """In a process of its own: the global tracer provider can be set once per process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return subprocess.run(
        [sys.executable, "-c", CONFIGURE], env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_console_exporter_prints_one_span_per_line_named_after_the_service() -> None:
    done = run_configure(OTEL_TRACES_EXPORTER="console")
    assert done.returncode == 0, done.stderr
    [span] = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"name"')]
    assert span["name"] == "work"
    assert span["resource"]["attributes"]["service.name"] == "customer-account"
    assert span["attributes"]["messaging.kafka.message.key"] == "k1"  # bytes (FastStream's) made printable

    renamed = run_configure(OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="ca-blue")
    assert renamed.returncode == 0, renamed.stderr
    assert '"service.name": "ca-blue"' in renamed.stdout


def test_configure_tracing_installs_nothing_when_off() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from opentelemetry import trace; from trainyard_common.tracing import configure_tracing;"
            "assert configure_tracing('x') is False;"
            "assert type(trace.get_tracer_provider()).__name__ == 'ProxyTracerProvider'",
        ],
        env={k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


async def test_a_consumed_event_is_handled_in_a_span_continuing_its_traceparent(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """What the relay publishes: CloudEvents ``ce_*`` headers plus ``traceparent``; each event
    of a batch gets a consumer span of that trace, and what is emitted for it carries the trace
    onwards, with that span as its parent."""
    provider, exporter = spans
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /v1/customers") as producer_span:
        upstream = await outbox_headers_of_one_event()
    delivered = read_record(record_with(upstream), UserRegistered)
    assert isinstance(delivered, Delivered)

    with consumer_spans("UserRegistered process", [delivered.trace_headers], provider=provider) as headers:
        assert headers is not None
        emitted = await outbox_headers_of_one_event(cause=Cause(delivered.correlation_id, headers[0]))

    [consumer] = [s for s in exporter.get_finished_spans() if s.kind == trace.SpanKind.CONSUMER]
    trace_id = producer_span.get_span_context().trace_id
    assert consumer.context.trace_id == trace_id
    assert consumer.parent is not None
    assert consumer.parent.span_id == producer_span.get_span_context().span_id
    assert trace_id_of(emitted["traceparent"]) == trace_id
    assert emitted["traceparent"].split("-")[2] == f"{consumer.context.span_id:016x}"
    assert Envelope.from_headers(upstream).event_type == "UserRegistered"


def test_without_tracing_no_span_is_made_for_a_consumed_event() -> None:
    with consumer_spans("UserRegistered process", [{"traceparent": f"00-{'1' * 32}-{'2' * 16}-01"}]) as headers:
        assert headers is None


def record_with(headers: dict[str, str]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="UserRegistered",
        partition=0,
        offset=0,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=registered().model_dump_json().encode(),
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=[(k, v.encode()) for k, v in headers.items()],
    )


def test_log_lines_carry_the_trace_id_of_the_current_span(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("tracing-test")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        get_logger("test").info("inside a span")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
