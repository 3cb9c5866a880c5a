"""customer-account helpers shared by its service tests and the end-to-end tests: a real SMTP
server on loopback that keeps what arrives, and learner sign-in that honours the IP slow-down."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from sqlalchemy import text

from trainyard_common.contracts import Event
from trainyard_common.messaging.envelope import Envelope as EventEnvelope
from trainyard_common.testing.in_process import InProcessService
from trainyard_common.testing.kafka import produce
from trainyard_common.testing.processes import free_port


@dataclass(frozen=True)
class Delivered:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        return str(part.get_content()) if part is not None else ""


class Mailbox:
    """An aiosmtpd server on 127.0.0.1 (a thread of its own); ``messages`` is what it accepted."""

    def __init__(self) -> None:
        self.messages: list[Delivered] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self.host = "127.0.0.1"
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(Delivered([str(r) for r in envelope.rcpt_tos], message))
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        """(Re)start listening on the same port (a test may stop it to play an SMTP outage)."""
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Delivered]:
        with self._lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[Delivered]:
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} e-mail(s) to {address} expected, {len(found)} arrived")
            time.sleep(0.1)
        return found

    def env(self) -> dict[str, str]:
        """customer-account's settings pointing at this server."""
        return {"TRAINYARD_SMTP_HOST": self.host, "TRAINYARD_SMTP_PORT": str(self.port)}


def running_mailbox() -> Iterator[Mailbox]:
    mailbox = Mailbox().start()
    try:
        yield mailbox
    finally:
        mailbox.stop()


def retrying(send: Callable[[], httpx.Response], attempts: int = 20) -> httpx.Response:
    """Send, waiting out 429s (the per-IP slow-down) as their Retry-After says."""
    for _ in range(attempts):
        response = send()
        if response.status_code != 429:
            return response
        time.sleep(float(response.headers.get("Retry-After", "1")))
    return response


def sign_in(public: httpx.Client, email_address: str, password: str) -> httpx.Response:
    """Learner sign-in through the gateway."""
    body = {"email": email_address, "password": password}
    return retrying(lambda: public.post("/api/v1/learner/sessions", json=body))


# --- customer-account's own tests: the service in-process ------------------------------------

ADMIN = {"X-Actor-Admin": "grace-admin"}
PASSWORD = "correct horse battery"


@dataclass
class Accounts(InProcessService):
    mailbox: Mailbox

    async def create(self, email: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": email or f"ada-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            **extra,
        }
        response = await self.http.post("/v1/customers", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def sign_in(self, email: str, password: str = PASSWORD, ip: str | None = None) -> httpx.Response:
        ip = ip or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"  # a fresh IP: no slow-down
        return await self.http.post("/v1/sessions", json={"email": email, "password": password, "ip": ip})

    async def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        async with self.runtime.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(text(sql), params)]


# --- end-to-end helpers ---------------------------------------------------------------------------


def publish(kafka: str, topic_prefix: str, event: Event) -> None:
    """Put an event on this run's topic as another service would (CloudEvents headers, key)."""
    envelope = EventEnvelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
    asyncio.run(
        produce(
            kafka,
            topic_prefix + event.topic(),
            event.model_dump_json().encode(),
            key=event.aggregate_id().encode(),
            headers=envelope.to_headers(),
        )
    )


def eventually(check: Callable[[], Any], timeout: float = 30) -> Any:
    """``check()`` until it is truthy (or the time is up: then its last answer)."""
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result
