"""The gateway's client, class and report routes in front of the REAL client-directory (run
in-process and served on a free port), over real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn

from client_directory.bootstrap import bootstrap as directory_bootstrap
from client_directory.settings import Settings as DirectorySettings
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.kafka import produce
from trainyard_common.testing.sealed_events import known_keys
from trainyard_common.testing.sealed_events import registered as sealed_registration

pytestmark = pytest.mark.integration

ADMIN_API = "/api/v1/admin"


@contextlib.asynccontextmanager
async def client_directory(kafka: str, prefix: str, database_url: str) -> AsyncIterator[str]:
    settings = DirectorySettings(
        kafka_bootstrap=kafka, database_url=database_url, topic_prefix=prefix, environment="test"
    )
    runtime, app = directory_bootstrap(
        settings, name=f"client-directory-{uuid.uuid4().hex[:8]}", customer_keys=known_keys()
    )  # registrations come sealed with the tests' key: no customer-account here
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    async with app.router.lifespan_context(app):
        await runtime.wait_until_consuming()
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await asyncio.sleep(0.01)
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            await task
            sock.close()


@pytest.fixture(scope="module")
async def real_gateway(
    kafka_bootstrap: str, topic_prefix: str, pg_url: str, database_url: str, start_gateway: Any
) -> AsyncIterator[httpx.AsyncClient]:
    directory_db = create_database(pg_url, "gw_cd")
    try:
        async with (
            client_directory(kafka_bootstrap, topic_prefix, directory_db) as url,
            start_gateway(database_url, client_directory_url=url) as gateway,
        ):
            yield gateway
    finally:
        drop_database(directory_db)


@pytest.fixture(scope="module")
async def headers(real_gateway: httpx.AsyncClient, sign_in: Any, first_admin: tuple[str, str]) -> dict[str, str]:
    return dict(await sign_in(real_gateway, *first_admin))


async def registered(kafka: str, prefix: str, email: str) -> uuid.UUID:
    customer_id = uuid.uuid4()
    event = sealed_registration(customer_id, email)  # UserRegistered.v2, what client-directory reads
    headers = Envelope(event_type=event.event_type, source="/tests").to_headers()
    await produce(kafka, prefix + event.topic(), event.model_dump_json().encode(), key=b"k", headers=headers)
    return customer_id


async def eventually(probe: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("never happened")
        await asyncio.sleep(0.1)


async def test_clients_patch_conflict_and_validation(real_gateway: httpx.AsyncClient, headers: dict[str, str]) -> None:
    domain = f"gw-{uuid.uuid4().hex[:8]}.example"
    body = {"name": f"Gw {domain}", "industry": "Technology", "email_domains": [f"@{domain}"]}
    first = await real_gateway.post(f"{ADMIN_API}/clients", json=body, headers=headers)
    assert first.status_code == 201, first.text
    other = await real_gateway.post(
        f"{ADMIN_API}/clients", json={"name": f"Other {domain}", "industry": "Technology"}, headers=headers
    )
    other_id = other.json()["id"]
    clash = await real_gateway.patch(
        f"{ADMIN_API}/clients/{other_id}", json={"email_domains": [domain]}, headers=headers
    )
    assert clash.status_code == 409
    assert f"Gw {domain}" in clash.json()["error"]["details"][0]["reason"]
    bad = await real_gateway.patch(f"{ADMIN_API}/clients/{other_id}", json={"active": "maybe"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "active"
    off = await real_gateway.patch(f"{ADMIN_API}/clients/{other_id}", json={"active": False}, headers=headers)
    assert (off.status_code, off.json()["active"]) == (200, False)
    listed = await real_gateway.get(f"{ADMIN_API}/clients", params={"search": domain, "active": True}, headers=headers)
    assert [c["id"] for c in listed.json()["items"]] == [first.json()["id"]]
    missing = await real_gateway.patch(f"{ADMIN_API}/clients/{uuid.uuid4()}", json={"name": "x"}, headers=headers)
    assert missing.status_code == 404


async def test_classes_and_report_through_the_gateway(
    real_gateway: httpx.AsyncClient, headers: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    domain = f"gw-{uuid.uuid4().hex[:8]}.example"
    auto = (
        await real_gateway.post(
            f"{ADMIN_API}/clients",
            json={"name": f"Auto {domain}", "industry": "Education", "email_domains": [domain]},
            headers=headers,
        )
    ).json()["id"]
    chosen = (
        await real_gateway.post(
            f"{ADMIN_API}/clients", json={"name": f"Chosen {domain}", "industry": "Retail"}, headers=headers
        )
    ).json()["id"]
    learner = await registered(kafka_bootstrap, topic_prefix, f"ada@{domain}")

    async def mapped() -> bool:
        reply = await real_gateway.get(f"{ADMIN_API}/clients/{auto}/learners", headers=headers)
        return reply.json()["total"] == 1

    await eventually(mapped)

    created = await real_gateway.post(
        f"{ADMIN_API}/classes",
        json={
            "name": f"Class {domain}",
            "starts_on": "2024-05-06",
            "ends_on": "2024-05-08",
            "default_client_id": chosen,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    class_id = created.json()["id"]
    found = await real_gateway.get(
        f"{ADMIN_API}/classes", params={"from": "2024-05-07", "to": "2024-05-07", "search": domain}, headers=headers
    )
    assert [c["id"] for c in found.json()["items"]] == [class_id]
    enrolled = await real_gateway.post(
        f"{ADMIN_API}/classes/{class_id}/enrollments", json={"customer_ids": [str(learner)]}, headers=headers
    )
    assert enrolled.json()["enrolled"] == [str(learner)]
    report = await real_gateway.get(f"{ADMIN_API}/reports/clients", params={"client_id": chosen}, headers=headers)
    [row] = report.json()["items"]
    assert (row["learners"], row["enrollments"]) == (1, 1)

    assigned = await real_gateway.post(
        f"{ADMIN_API}/classes/{class_id}/client-assignments",
        json={"customer_ids": [str(learner)], "client_id": auto},
        headers=headers,
    )
    assert assigned.status_code == 200, assigned.text
    by_industry = await real_gateway.get(
        f"{ADMIN_API}/reports/clients", params={"industry": "Education"}, headers=headers
    )
    assert any(r["client_id"] == auto and r["learners"] == 1 for r in by_industry.json()["items"])
    removed = await real_gateway.post(
        f"{ADMIN_API}/classes/{class_id}/client-removals", json={"customer_ids": [str(learner)]}, headers=headers
    )
    assert removed.json()["customer_ids"] == [str(learner)]
    cleared = await real_gateway.patch(
        f"{ADMIN_API}/classes/{class_id}", json={"default_client_id": None}, headers=headers
    )
    assert cleared.json()["default_client_id"] is None
    assert (await real_gateway.get(f"{ADMIN_API}/classes/{class_id}", headers=headers)).json()["enrollments"] == 1

    empty = await real_gateway.post(
        f"{ADMIN_API}/classes/{class_id}/enrollments", json={"customer_ids": []}, headers=headers
    )
    assert empty.status_code == 422
    audit = await real_gateway.get(f"{ADMIN_API}/audit-log", params={"limit": 500}, headers=headers)
    targets = {entry.get("target") for entry in audit.json()["items"]}
    assert f"class:{class_id}" in targets
