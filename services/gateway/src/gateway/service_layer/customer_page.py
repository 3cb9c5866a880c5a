"""The customer details page: one customer as every service sees it, gathered concurrently.

Each section comes from one service call with its own timeout. A service that is down, slow
or answers an error leaves its section marked unavailable; the page still answers. Only the
profile decides whether the customer exists.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from gateway.domain.replies import ServiceUnavailable
from gateway.service_layer.ports import Service, ServiceSet
from trainyard_common.domain_errors import NotFoundError
from trainyard_common.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Section:
    service: str
    data: Any = None
    unavailable_reason: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None


@dataclass(frozen=True, slots=True)
class CustomerPage:
    customer_id: uuid.UUID
    sections: dict[str, Section]


class CustomerNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such customer.")


def section_sources(services: ServiceSet, customer_id: uuid.UUID) -> dict[str, tuple[Service, str]]:
    """Section name -> (service, internal path)."""
    return {
        "profile": (services.customer_account, f"/v1/customers/{customer_id}"),
        "client": (services.client_directory, f"/v1/learners/{customer_id}"),
        "orders": (services.commerce_access, f"/v1/customers/{customer_id}/orders"),
        "access": (services.commerce_access, f"/v1/customers/{customer_id}/access"),
        "transcript": (services.training_progress, f"/v1/customers/{customer_id}/transcript"),
    }


async def customer_page(services: ServiceSet, customer_id: uuid.UUID, *, timeout_seconds: float) -> CustomerPage:
    sources = section_sources(services, customer_id)
    fetched = await asyncio.gather(*(_section(client, path, timeout_seconds) for client, path in sources.values()))
    sections = dict(zip(sources, fetched, strict=True))
    if sections["profile"].unavailable_reason == "not_found":
        raise CustomerNotFound()
    return CustomerPage(customer_id, sections)


async def _section(client: Service, path: str, timeout_seconds: float) -> Section:
    try:
        reply = await client.call("GET", path, timeout_seconds=timeout_seconds)
    except ServiceUnavailable as exc:
        return Section(client.name, unavailable_reason=exc.reason)
    if reply.status_code == 404:
        return Section(client.name, unavailable_reason="not_found")
    if reply.status_code != 200:
        log.warning("customer page section failed", service=client.name, path=path, status=reply.status_code)
        return Section(client.name, unavailable_reason=f"answered {reply.status_code}")
    return Section(client.name, data=reply.json())
