"""training-progress run in-process (its real lifespan: migrations, consumers, relay) on a fresh
database and this run's Kafka topics; other services' events go in through Kafka, with CloudEvents
headers, as those services send them."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from training_progress.bootstrap import bootstrap
from training_progress.settings import Settings
from trainyard_common.contracts import AccessGranted, TrainingItemRef
from trainyard_common.testing.in_process import QUICK_SETTINGS, InProcessService, in_process_service, wait_for
from trainyard_common.testing.sealed_events import known_keys, registered
from trainyard_common.vocabulary import TrainingItemType


class Training(InProcessService):
    async def register(self, email: str | None = None, first_name: str = "Ada") -> tuple[uuid.UUID, str]:
        """A customer registered in customer-account, known here once the event is consumed."""
        customer_id = uuid.uuid4()
        email = email or f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        await self.send(
            registered(customer_id, email, first_name=first_name)  # version 2, sealed with TEST_KEY
        )
        await wait_for(lambda: self.scalar("SELECT count(*) FROM customers WHERE customer_id = :id", id=customer_id))
        return customer_id, email

    async def create(self, path: str, **body: Any) -> dict[str, Any]:
        body.setdefault("name", f"Item {uuid.uuid4().hex[:8]}")
        response = await self.http.post(path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def module(self, **body: Any) -> str:
        return str((await self.create("/v1/modules", **body))["id"])

    async def course(self, module_ids: list[str], **body: Any) -> str:
        return str((await self.create("/v1/courses", module_ids=module_ids, **body))["id"])

    async def certification(self, course_ids: list[str], **body: Any) -> str:
        return str((await self.create("/v1/certifications", course_ids=course_ids, **body))["id"])

    async def grant(self, customer_id: uuid.UUID, item_type: str, item_id: str) -> AccessGranted:
        """commerce-access granted the customer live access to the item (a learner's own activity on
        a module needs it), known here once the event is consumed."""
        granted = AccessGranted(
            access_id=uuid.uuid4(),
            customer_id=customer_id,
            product_id=uuid.uuid4(),
            training_item=TrainingItemRef(type=TrainingItemType(item_type), id=uuid.UUID(item_id)),
            order_id=uuid.uuid4(),
            starts_on=date(2025, 1, 1),
            granted_at=datetime.now(UTC),
        )
        await self.send(granted)
        await wait_for(lambda: self.scalar("SELECT count(*) FROM access WHERE access_id = :a", a=granted.access_id))
        return granted

    async def learner(self, customer_id: uuid.UUID, item_type: str, item_id: str, status: str, **extra: Any) -> Any:
        """The learner's own progress on a module, given access to it first."""
        await self.grant(customer_id, item_type, item_id)
        response = await self.http.post(
            f"/v1/learners/{customer_id}/progress",
            json={"item_type": item_type, "item_id": item_id, "status": status, **extra},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def entries(self, item_type: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/training-progress", params={"type": item_type, "limit": 500, **params})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def entry(self, customer_id: uuid.UUID, item_id: str) -> dict[str, Any] | None:
        for item_type in ("module", "course", "certification"):
            for row in await self.entries(item_type):
                if row["customer_id"] == str(customer_id) and row["item_id"] == item_id:
                    return row
        return None


@pytest.fixture(scope="module")
async def training(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Training]:
    def settings(database_url: str) -> Settings:
        return Settings(
            kafka_bootstrap=kafka_bootstrap, database_url=database_url, topic_prefix=topic_prefix, **QUICK_SETTINGS
        )

    async with in_process_service(
        Training,
        bootstrap=functools.partial(bootstrap, customer_keys=known_keys()),  # no customer-account here
        settings=settings,
        name="training-progress",
        pg_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
    ) as training:
        yield training
