"""Issue 15, item 13: a message that cannot be sent (a CR/LF in its subject, as imports could
once queue) is given up after N failed sends — kept as failed, never retried, counted — and the
outbox moves on to the next message; an unreachable server gives nothing up."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from customer_account.adapters.emails import SmtpSettings, build_message
from customer_account.domain.customer import now
from customer_account.domain.emails import Email
from customer_account.service_layer.mail_sender import MailServerUnavailable, deliver_due
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork

pytestmark = pytest.mark.integration

Uows = Callable[[], CustomerUnitOfWork]
SMTP = SmtpSettings(host="127.0.0.1", port=25, sender="Trainyard <no-reply@trainyard.example>")
MAX_ATTEMPTS = 3


class Server:
    """Builds each message exactly as the SMTP adapter does, and keeps what it would send."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.away = False

    async def send(self, email: Email) -> None:
        message = build_message(SMTP, email)  # ValueError for a header with a line break
        if self.away:
            raise MailServerUnavailable("the server cannot be reached (ConnectionRefusedError)")
        self.sent.append(str(message["Subject"]))


async def queue(uows: Uows, *subjects: str) -> list[uuid.UUID]:
    emails = [Email("ada@example.com", subject, "Hello", id=uuid.uuid4()) for subject in subjects]
    async with uows() as uow:
        await uow.emails.add(emails, now())
        await uow.commit()
    return [e.id for e in emails if e.id is not None]


async def outbox(uows: Uows) -> dict[str, dict[str, object]]:
    async with uows() as uow:
        rows = await uow.session.execute(
            text("SELECT subject, attempts, send_failures, failed_at, last_error FROM email_outbox")
        )
        return {r.subject: dict(r._mapping) for r in rows}


async def due_now(uows: Uows) -> None:
    """Skip the back-off: every waiting message is due again."""
    async with uows() as uow:
        await uow.session.execute(text("UPDATE email_outbox SET next_attempt_at = now() - interval '1 second'"))
        await uow.commit()


def emails_failed() -> float:
    return REGISTRY.get_sample_value("trainyard_emails_failed_total") or 0.0


async def test_a_message_that_always_fails_is_marked_failed_after_n_sends_and_the_next_is_sent(uows: Uows) -> None:
    server, before = Server(), emails_failed()
    await queue(uows, "Hi\r\nBcc: x@y")
    for _ in range(MAX_ATTEMPTS - 1):
        await deliver_due(uows, server.send, max_attempts=MAX_ATTEMPTS)
        await due_now(uows)
    assert (await outbox(uows))["Hi\r\nBcc: x@y"]["failed_at"] is None
    await queue(uows, "Welcome")
    await deliver_due(uows, server.send, max_attempts=MAX_ATTEMPTS)
    assert server.sent == ["Welcome"], "the next message left in the same round"
    stuck = (await outbox(uows))["Hi\r\nBcc: x@y"]
    assert stuck["send_failures"] == MAX_ATTEMPTS
    assert stuck["failed_at"] is not None
    assert "linefeed" in str(stuck["last_error"]) or "carriage" in str(stuck["last_error"])
    assert emails_failed() == before + 1

    await due_now(uows)
    await queue(uows, "Later")
    await deliver_due(uows, server.send, max_attempts=MAX_ATTEMPTS)
    assert server.sent == ["Welcome", "Later"]
    assert (await outbox(uows))["Hi\r\nBcc: x@y"]["send_failures"] == MAX_ATTEMPTS, "never tried again"
    assert list(await outbox(uows)) == ["Hi\r\nBcc: x@y"], "kept for inspection"


async def test_an_unreachable_server_gives_no_message_up(uows: Uows) -> None:
    server, before = Server(), emails_failed()
    server.away = True
    await queue(uows, "Receipt")
    for _ in range(MAX_ATTEMPTS + 2):
        await deliver_due(uows, server.send, max_attempts=MAX_ATTEMPTS)
        await due_now(uows)
    waiting = (await outbox(uows))["Receipt"]
    assert waiting["attempts"] == MAX_ATTEMPTS + 2
    assert (waiting["send_failures"], waiting["failed_at"]) == (0, None)
    server.away = False
    await deliver_due(uows, server.send, max_attempts=MAX_ATTEMPTS)
    assert server.sent == ["Receipt"]
    assert emails_failed() == before
