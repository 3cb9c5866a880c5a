"""Read-your-writes on the customer page: after an admin's successful write on one customer
(``POST|PUT|PATCH|DELETE /api/v1/admin/customers/{id}[/…]``), the customer's view is read again
from the services before the answer leaves (it is held until then), so the admin's next page
shows the write; so are the profiles of the customers the answer lists as ``joined``. The
events would bring it a moment later; the admin console shows the page right after each edit.

The refresh never fails the write: a service that cannot answer leaves a pending read (as for
events), and any other error is logged.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.customer_views import CustomerViews
from trainyard_common.logs import get_logger

log = get_logger(__name__)

_CUSTOMER = re.compile(re.escape(ADMIN) + r"/customers/(?P<id>[0-9a-fA-F-]{36})(?:/|$)")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class CustomerViewAfterWrites:
    def __init__(self, app: ASGIApp, views: Callable[[], CustomerViews | None]) -> None:
        self.app = app
        self._views = views

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        found = _CUSTOMER.match(scope["path"])
        views = self._views() if found else None
        if found is None or views is None:
            await self.app(scope, receive, send)
            return
        try:
            customer_id = uuid.UUID(found["id"])
        except ValueError:
            await self.app(scope, receive, send)
            return

        held: list[Message] = []

        async def sending(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and 200 <= message["status"] < 300):
                held.append(message)  # a successful write's answer: held until the view is read again
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    await _refreshed(views, customer_id, held)
                    for kept in held:
                        await send(kept)
                    held.clear()
                return
            await send(message)

        await self.app(scope, receive, sending)


async def _refreshed(views: CustomerViews, customer_id: uuid.UUID, answer: list[Message]) -> None:
    """The customer's whole view read again; and the profile of every customer the answer says
    joined something with them (a group given to a purchaser's registration code users)."""
    others = _joined(b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body"))
    try:
        # A task of its own: a copy of the request's context, so the view's actor stays out of it.
        await asyncio.create_task(views.refresh(customer_id, others=others))
    except Exception as exc:
        log.warning("customer view not refreshed after a write", customer_id=str(customer_id), error=repr(exc))


def _joined(body: bytes) -> list[uuid.UUID]:
    try:
        found = orjson.loads(body) if body[:1] == b"{" else {}
        return [uuid.UUID(str(i)) for i in found.get("joined") or ()]
    except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError):
        return []
