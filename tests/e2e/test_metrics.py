"""After a registration flows through, every hop shows in the services' /metrics."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

pytestmark = pytest.mark.e2e


def metric(url: str, name: str, **labels: str) -> float | None:
    """The value of one sample on a /metrics page (None when absent)."""
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith(name) and all(w in line for w in wanted):
            return float(line.rsplit(" ", 1)[1])
    return None


def eventually(read: Any, timeout: float = 15, *, zero_counts: bool = False) -> Any:
    """Poll until the sample exists (and, for counters, is above zero)."""
    deadline = time.monotonic() + timeout
    while (value := read()) is None or (value == 0 and not zero_counts):
        if time.monotonic() > deadline:
            return value
        time.sleep(0.3)
    return value


def test_every_hop_of_a_registration_is_measured(system: Any) -> None:
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        client = create_client(admin, domain)
        customer = register(public, f"metrics-{uuid.uuid4().hex[:6]}@{domain}").json()
        wait_for_learner(admin, client["id"], customer["id"])

    registered = system.topic_prefix + "UserRegistered.v2"  # what client-directory reads (issue 16)
    # Each process serves /metrics on a port of its own, apart from its API.
    account, directory = system.customer_account.metrics_url, system.client_directory.metrics_url
    gateway = system.gateway.metrics_url
    assert eventually(lambda: metric(account, "trainyard_messages_published_total", topic=registered)) >= 1
    assert metric(directory, "trainyard_messages_consumed_total", topic=registered, outcome="processed") >= 1
    assert metric(directory, "trainyard_handler_seconds_count", topic=registered) >= 1
    assert eventually(lambda: metric(directory, "trainyard_consumer_lag", topic=registered), zero_counts=True) == 0
    assert eventually(lambda: metric(account, "trainyard_outbox_backlog"), zero_counts=True) is not None
    assert metric(account, "trainyard_outbox_oldest_age_seconds") is not None
    requests = metric(
        gateway, "trainyard_http_requests_total", route="/api/v1/learner/register", method="POST", status="201"
    )
    assert requests is not None
    assert requests >= 1
    assert re.search(
        r"trainyard_http_request_seconds_bucket\{.*route=\"/api/v1/admin/clients\"",
        httpx.get(f"{gateway}/metrics").text,
    )
