"""The whole system as real processes, each service with a fresh database, on this run's topics:
one per test run, shared by the end-to-end suite (tests/e2e) and the browser suite (tests/browser)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.accounts import ADMIN_PASSWORD, ADMIN_USERNAME
from support.customers import Mailbox, running_mailbox

from trainyard_common.testing.infrastructure import Endpoints
from trainyard_common.testing.system import System, running_system

# Environment of every service in the end-to-end system: quick polling, so tests wait less.
COMMON_ENV = {
    "TRAINYARD_OUTBOX_POLL_SECONDS": "0.2",
    "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2",
}
SERVICE_ENV: dict[str, dict[str, str]] = {
    "gateway": {
        # The contract fuzzing signs in with made-up names from this one IP; the throttle has
        # its own tests, here it must not lock the other tests' admin out.
        "TRAINYARD_SIGN_IN_MAX_FAILURES_PER_IP": "100000",
    },
    "customer_account": {
        # Learner sign-in is slowed down per IP; every e2e learner signs in from 127.0.0.1 (and the
        # fuzzing with made-up ones). The slow-down has its own tests in customer-account's suite.
        "TRAINYARD_SIGN_IN_IP_FREE_FAILURES": "100000",
        "TRAINYARD_EMAIL_POLL_SECONDS": "0.2",
    },
}


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback; customer-account sends its e-mail here (``mailbox.to(address)``)."""
    yield from running_mailbox()


@pytest.fixture(scope="session")
def system(endpoints: Endpoints, kafka_bootstrap: str, topic_prefix: str, mailbox: Mailbox) -> Iterator[System]:
    service_env = {**SERVICE_ENV, "customer_account": {**SERVICE_ENV["customer_account"], **mailbox.env()}}
    with running_system(
        endpoints.pg_url,
        kafka_bootstrap,
        topic_prefix,
        admin_username=ADMIN_USERNAME,
        admin_password=ADMIN_PASSWORD,
        common_env=COMMON_ENV,
        service_env=service_env,
        local_launcher=endpoints.local_launcher,
    ) as running:
        yield running


@pytest.fixture
def admin(system: System) -> Iterator[httpx.Client]:
    """The gateway, signed in as the first admin."""
    with system.admin() as client:
        yield client


@pytest.fixture
def public(system: System) -> Iterator[httpx.Client]:
    """The gateway, without credentials (a learner's client)."""
    with system.public() as client:
        yield client
