"""The whole system as real processes: five services, each with a fresh database, on one topic
prefix. Used by the end-to-end tests and by the benchmarks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import httpx

from trainyard_common.passwords.hashing import PasswordHashCost
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import ServiceProcess

DOMAIN_SERVICES = ("customer_account", "client_directory", "commerce_access", "training_progress")


@dataclass
class System:
    gateway: ServiceProcess
    customer_account: ServiceProcess
    client_directory: ServiceProcess
    commerce_access: ServiceProcess
    training_progress: ServiceProcess
    kafka_bootstrap: str
    topic_prefix: str
    admin_username: str
    admin_password: str = field(repr=False)
    local_launcher: bool = False

    def admin_token(self) -> str:
        credentials = {"username": self.admin_username, "password": self.admin_password}
        response = httpx.post(f"{self.gateway.url}/api/v1/auth/token", json=credentials, timeout=10)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def admin(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.admin_token()}"}
        return httpx.Client(base_url=self.gateway.url, headers=headers, timeout=10)

    def public(self) -> httpx.Client:
        return httpx.Client(base_url=self.gateway.url, timeout=10)

    def processes(self) -> list[ServiceProcess]:
        return [
            self.customer_account,
            self.client_directory,
            self.commerce_access,
            self.training_progress,
            self.gateway,
        ]


@contextlib.contextmanager
def running_system(
    pg_url: str,
    kafka_bootstrap: str,
    topic_prefix: str,
    *,
    admin_username: str,
    admin_password: str,
    common_env: Mapping[str, str] | None = None,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
    local_launcher: bool = False,
    password_hash_cost: PasswordHashCost = PasswordHashCost.TESTS_ONLY,
) -> Iterator[System]:
    """Start every service (``python -m <package>``), wait until all are ready, stop them after.

    Passwords are hashed at the tests' cost unless ``password_hash_cost`` says otherwise (the
    benchmarks measure production's).

    ``common_env`` goes to every service, ``service_env[package]`` to that one only.
    """
    service_env = service_env or {}
    common = {
        "TRAINYARD_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "TRAINYARD_TOPIC_PREFIX": topic_prefix,
        "TRAINYARD_ENVIRONMENT": "test",
        "TRAINYARD_PASSWORD_HASH_COST": password_hash_cost,
        **(common_env or {}),
    }
    databases = {name: create_database(pg_url, f"sys_{name}") for name in (*DOMAIN_SERVICES, "gateway")}

    def process(package: str, **env: str) -> ServiceProcess:
        own = {**common, "TRAINYARD_DATABASE_URL": databases[package], **service_env.get(package, {}), **env}
        return ServiceProcess(package, own)

    domain = {package: process(package) for package in DOMAIN_SERVICES}
    for package, service in domain.items():  # where the consumers fetch customer keys (issue 16)
        if package != "customer_account":
            service.env.setdefault("TRAINYARD_CUSTOMER_ACCOUNT_URL", domain["customer_account"].url)
    gateway = process(
        "gateway",
        TRAINYARD_ADMIN_USERNAME=admin_username,
        TRAINYARD_ADMIN_PASSWORD=admin_password,
        **{f"TRAINYARD_{package.upper()}_URL": service.url for package, service in domain.items()},
    )
    system = System(
        gateway=gateway,
        **domain,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
        admin_username=admin_username,
        admin_password=admin_password,
        local_launcher=local_launcher,
    )
    try:
        for service in system.processes():
            service.start()
        for service in system.processes():
            service.wait_ready()
        yield system
    finally:
        for service in system.processes():
            service.stop()
        for url in databases.values():
            drop_database(url)
