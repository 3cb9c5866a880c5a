"""One request is one trace: a learner's registration through the gateway, customer-account's
outbox, Kafka, and client-directory's consumer — all under one trace id, with the console
exporter (OTEL_TRACES_EXPORTER=console) writing each service's spans into its log."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

from trainyard_common.contracts import LearnerAssignedToClient, UserRegisteredV2
from trainyard_common.messaging.topics import all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.kafka import Record, header, read_topic
from trainyard_common.testing.processes import LOG_DIR, ServiceProcess

pytestmark = pytest.mark.e2e

ADMIN_USERNAME = "trace-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
Span = dict[str, Any]


@pytest.fixture
def own_prefix(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    prefix = f"{topic_prefix}tracing-{uuid.uuid4().hex[:6]}."
    specs = all_topics(partitions=1, prefix=prefix)
    asyncio.run(ensure_topics(kafka_bootstrap, specs))
    yield prefix
    asyncio.run(delete_topics(kafka_bootstrap, [s.name for s in specs]))


@pytest.fixture
def traced(kafka_bootstrap: str, own_prefix: str, new_database: Callable[[str], str]) -> Iterator[dict[str, Any]]:
    """gateway, customer-account and client-directory with tracing on (console exporter)."""
    common = {
        "TRAINYARD_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "TRAINYARD_TOPIC_PREFIX": own_prefix,
        "TRAINYARD_ENVIRONMENT": "test",
        "TRAINYARD_OUTBOX_POLL_SECONDS": "0.2",
        "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2",
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms: spans reach the log soon after they end
    }

    def service(package: str, name: str, **env: str) -> ServiceProcess:
        database = new_database(f"trace_{package}")
        return ServiceProcess(package, {**common, "TRAINYARD_DATABASE_URL": database, "OTEL_SERVICE_NAME": name, **env})

    customer_account = service("customer_account", "trace-customer-account")
    # client-directory asks customer-account for the keys of the sealed UserRegistered.v2 (issue 16).
    client_directory = service(
        "client_directory", "trace-client-directory", TRAINYARD_CUSTOMER_ACCOUNT_URL=customer_account.url
    )
    unused = "http://127.0.0.1:9"  # commerce-access, training-progress: not part of this flow
    gateway = service(
        "gateway",
        "trace-gateway",
        TRAINYARD_ADMIN_USERNAME=ADMIN_USERNAME,
        TRAINYARD_ADMIN_PASSWORD=ADMIN_PASSWORD,
        TRAINYARD_CUSTOMER_ACCOUNT_URL=customer_account.url,
        TRAINYARD_CLIENT_DIRECTORY_URL=client_directory.url,
        TRAINYARD_COMMERCE_ACCESS_URL=unused,
        TRAINYARD_TRAINING_PROGRESS_URL=unused,
    )
    processes = [customer_account, client_directory, gateway]
    try:
        for process in processes:
            process.start()  # waits for /healthz
        customer_account.wait_ready()
        client_directory.wait_ready()  # consuming: its /readyz checks Kafka
        yield {"gateway": gateway, "customer_account": customer_account, "client_directory": client_directory}
    finally:
        for process in processes:
            process.stop()


def spans_in(process: ServiceProcess) -> list[Span]:
    """The console exporter's spans (one JSON object a line) among the process's log lines."""
    spans = []
    for line in (LOG_DIR / f"{process.package}-{process.port}.log").read_text().splitlines():
        if line.startswith('{"name"'):
            span = json.loads(line)
            if "context" in span and "kind" in span:
                spans.append(span)
    return spans


def wait_for_span(process: ServiceProcess, match: Callable[[Span], bool], timeout: float = 20) -> Span:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [s for s in spans_in(process) if match(s)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(
        f"no such span from {process.package}; see {LOG_DIR / f'{process.package}-{process.port}.log'}"
    )


def trace_id(span: Span) -> str:
    return str(span["context"]["trace_id"]).removeprefix("0x")


def traceparent_trace_id(record: Record) -> str:
    value = header(record, "traceparent")
    assert value is not None, f"no traceparent on {record.topic}"
    return value.split("-")[1]


def span_id_in(record: Record) -> str:
    """The parent span id in the record's ``traceparent``, written as the exporter writes span ids."""
    value = header(record, "traceparent")
    assert value is not None
    return "0x" + value.split("-")[2]


def one_record(kafka: str, topic: str, key: str) -> Record:
    def about(records: list[Record]) -> list[Record]:
        return [r for r in records if r.key == key.encode()]

    (record,) = about(asyncio.run(read_topic(kafka, topic, until=lambda rs: len(about(rs)) >= 1)))
    return record


def test_a_registration_is_one_trace_across_gateway_services_and_events(
    traced: dict[str, ServiceProcess], kafka_bootstrap: str, own_prefix: str
) -> None:
    gateway, customer_account, client_directory = (
        traced["gateway"],
        traced["customer_account"],
        traced["client_directory"],
    )
    domain = unique_domain()
    token = httpx.post(
        f"{gateway.url}/api/v1/auth/token", json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    with (
        httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as admin,
        httpx.Client(base_url=gateway.url, timeout=10) as public,
    ):
        client = create_client(admin, domain)
        response = register(public, f"grace@{domain}")
        assert response.status_code == 201, response.text
        customer_id = response.json()["id"]
        wait_for_learner(admin, client["id"], customer_id)

    # The gateway's server span for the registration, and its client span calling customer-account.
    gateway_span = wait_for_span(
        gateway,
        lambda s: s["kind"] == "SpanKind.SERVER" and s["attributes"].get("http.route") == "/api/v1/learner/register",
    )
    trace = trace_id(gateway_span)
    assert gateway_span["resource"]["attributes"]["service.name"] == "trace-gateway"
    gateway_call = wait_for_span(gateway, lambda s: s["kind"] == "SpanKind.CLIENT" and trace_id(s) == trace)

    # customer-account's server span: a child of the gateway's call, in the same trace.
    account_span = wait_for_span(customer_account, lambda s: s["kind"] == "SpanKind.SERVER" and trace_id(s) == trace)
    assert account_span["parent_id"] == gateway_call["context"]["span_id"]
    assert account_span["resource"]["attributes"]["service.name"] == "trace-customer-account"

    # The UserRegistered.v2 record (what client-directory reads) carries the trace, and client-directory's
    # consumer span continues it.
    registered = one_record(kafka_bootstrap, own_prefix + UserRegisteredV2.topic(), customer_id)
    assert traceparent_trace_id(registered) == trace
    consumer_span = wait_for_span(
        client_directory,
        lambda s: s["kind"] == "SpanKind.CONSUMER" and s["name"] == f"{own_prefix}{UserRegisteredV2.topic()} process",
    )
    assert trace_id(consumer_span) == trace
    assert span_id_in(registered) == account_span["context"]["span_id"]  # written under its server span
    assert consumer_span["parent_id"] == account_span["context"]["span_id"]
    assert consumer_span["resource"]["attributes"]["service.name"] == "trace-client-directory"

    # ... and the event client-directory emits while handling it carries the same trace onwards.
    assigned = one_record(kafka_bootstrap, own_prefix + LearnerAssignedToClient.topic(), customer_id)
    assert traceparent_trace_id(assigned) == trace
    assert span_id_in(assigned) == consumer_span["context"]["span_id"]

    # Probes are not traced.
    for process in (gateway, customer_account, client_directory):
        assert not [s for s in spans_in(process) if any(p in s["name"] for p in ("/healthz", "/readyz", "/metrics"))]
