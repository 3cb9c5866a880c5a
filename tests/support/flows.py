"""Steps the end-to-end tests take through the gateway, and what they read back from Kafka."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import psycopg

from trainyard_common.contracts import Event
from trainyard_common.testing.kafka import Record, read_topic


def unique_domain() -> str:
    return f"acme-{uuid.uuid4().hex[:8]}.example"


def create_client(admin: httpx.Client, domain: str) -> dict[str, Any]:
    response = admin.post(
        "/api/v1/admin/clients",
        json={"name": f"Acme {domain}", "industry": "Technology", "email_domains": [f"@{domain}"], "aliases": []},
    )
    assert response.status_code == 201, response.text
    return response.json()


def outbox_rows_about(database_url: str, customer_id: str) -> int:
    """Events about the customer still waiting in a service's outbox (not yet published)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE message_key = %s", (customer_id,)).fetchone()
    return int(row[0]) if row else 0


def register(public: httpx.Client, email: str, **extra: Any) -> httpx.Response:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": email, "password": "correct horse battery", **extra}
    return public.post("/api/v1/learner/register", json=body)


def wait_for_learner(admin: httpx.Client, client_id: str, customer_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = admin.get(f"/api/v1/admin/clients/{client_id}/learners").json()["items"]
        found = [i for i in items if i["customer_id"] == customer_id]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"learner {customer_id} never appeared under client {client_id}")


def events_about(system: Any, event: type[Event], customer_id: str, at_least: int = 1) -> list[Record]:
    """The records of ``event`` keyed by ``customer_id`` on this run's topic, read by a plain consumer."""

    def matching(records: list[Record]) -> list[Record]:
        return [r for r in records if r.key == customer_id.encode()]

    topic = system.topic_prefix + event.topic()
    return matching(
        asyncio.run(read_topic(system.kafka_bootstrap, topic, until=lambda rs: len(matching(rs)) >= at_least))
    )
