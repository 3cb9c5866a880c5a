"""The whole system as real processes, each service with a fresh database, on this run's topics."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.infrastructure import Endpoints
from trainyard_common.testing.processes import ServiceProcess

ADMIN_USERNAME = "e2e-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(16)


@dataclass
class System:
    gateway: ServiceProcess
    customer_account: ServiceProcess
    client_directory: ServiceProcess
    commerce_access: ServiceProcess
    training_progress: ServiceProcess
    kafka_bootstrap: str
    topic_prefix: str
    local_launcher: bool

    def admin(self) -> httpx.Client:
        token = httpx.post(
            f"{self.gateway.url}/api/v1/auth/token", json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}
        ).json()["access_token"]
        return httpx.Client(base_url=self.gateway.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def public(self) -> httpx.Client:
        return httpx.Client(base_url=self.gateway.url, timeout=10)


@pytest.fixture(scope="session")
def system(endpoints: Endpoints, kafka_bootstrap: str, topic_prefix: str) -> Iterator[System]:
    databases = {name: create_database(endpoints.pg_url, f"e2e_{name}") for name in ("cust", "dir", "com", "tp", "gw")}
    common = {
        "TRAINYARD_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "TRAINYARD_TOPIC_PREFIX": topic_prefix,
        "TRAINYARD_ENVIRONMENT": "test",
        "TRAINYARD_OUTBOX_POLL_SECONDS": "0.2",
        "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2",
    }
    customer_account = ServiceProcess("customer_account", {**common, "TRAINYARD_DATABASE_URL": databases["cust"]})
    client_directory = ServiceProcess("client_directory", {**common, "TRAINYARD_DATABASE_URL": databases["dir"]})
    commerce_access = ServiceProcess("commerce_access", {**common, "TRAINYARD_DATABASE_URL": databases["com"]})
    training_progress = ServiceProcess("training_progress", {**common, "TRAINYARD_DATABASE_URL": databases["tp"]})
    gateway = ServiceProcess(
        "gateway",
        {
            **common,
            "TRAINYARD_DATABASE_URL": databases["gw"],
            "TRAINYARD_ADMIN_USERNAME": ADMIN_USERNAME,
            "TRAINYARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
            # The contract fuzzing signs in with made-up names from this one IP; the throttle
            # has its own tests, here it must not lock the other tests' admin out.
            "TRAINYARD_SIGN_IN_MAX_FAILURES_PER_IP": "100000",
            "TRAINYARD_CUSTOMER_ACCOUNT_URL": customer_account.url,
            "TRAINYARD_CLIENT_DIRECTORY_URL": client_directory.url,
            "TRAINYARD_COMMERCE_ACCESS_URL": commerce_access.url,
            "TRAINYARD_TRAINING_PROGRESS_URL": training_progress.url,
        },
    )
    processes = [customer_account, client_directory, commerce_access, training_progress, gateway]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready()
        yield System(
            gateway=gateway,
            customer_account=customer_account,
            client_directory=client_directory,
            commerce_access=commerce_access,
            training_progress=training_progress,
            kafka_bootstrap=kafka_bootstrap,
            topic_prefix=topic_prefix,
            local_launcher=endpoints.local_launcher,
        )
    finally:
        for process in processes:
            process.stop()
        for url in databases.values():
            drop_database(url)
