"""The sender task: delivers the e-mail outbox over SMTP, one claimed message at a time.

A failed send is one of two kinds. The server cannot be reached, or asks to try later
(``MailServerUnavailable``): the message is not at fault, it waits (with back-off) however long
the outage lasts, and the round stops — the next messages would fail alike. Anything else
failed for the message's own sake (a header it cannot carry, a recipient refused for good): it
counts, and after ``max_attempts`` such failures the message is marked failed — kept for
inspection, never retried, counted in ``trainyard_emails_failed_total`` — and the round goes on
with the next message, so one bad message never stalls the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import Counter

from customer_account.domain.customer import now
from customer_account.domain.emails import Email, retry_delay
from trainyard_common.error_text import describe_error
from trainyard_common.logs import get_logger
from trainyard_common.periodic import woken

if TYPE_CHECKING:  # at run time the unit of work imports the outbox adapter, which imports this
    from customer_account.service_layer.unit_of_work import CustomerUnitOfWork

log = get_logger(__name__)

Send = Callable[[Email], Awaitable[None]]

DEFAULT_MAX_ATTEMPTS = 5
EMAILS_FAILED = Counter(
    "trainyard_emails_failed_total", "E-mails given up after repeated failed sends (kept in the outbox as failed)."
)


class MailServerUnavailable(Exception):
    """The SMTP server cannot be reached or asks to try later: not the message's fault."""


def failure_text(error: BaseException) -> str:
    """What the outbox row (``last_error``) keeps of a failed send, without personal data (issue 16):
    an SMTP refusal's text quotes the recipient (``5.1.1 <ada@example.com>: Recipient address
    rejected``, ``SMTPRecipientsRefused``'s list of addresses), so only its type and code are kept;
    other errors as ``describe_error`` words them (no submitted values)."""
    code = getattr(error, "code", None)
    if isinstance(code, int):
        return f"{type(error).__name__} (SMTP {code})"
    if getattr(error, "recipients", None) is not None:
        return f"{type(error).__name__} (recipient refused)"
    return describe_error(error)


async def deliver_due(
    uow_factory: Callable[[], CustomerUnitOfWork],
    send: Send,
    batch: int = 20,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> int:
    """Deliver what is due; returns how many were sent. Each message: claim, send, delete — one
    transaction, so a crash before the commit leaves it to be sent again, never lost."""
    delivered = 0
    for _ in range(batch):
        async with uow_factory() as uow:
            claimed = await uow.emails.claim(now(), limit=1)
            if not claimed:
                break
            email = claimed[0]
            assert email.id is not None
            try:
                await send(email)
            except MailServerUnavailable as exc:  # SMTP down: try again later, with back-off
                log.warning("e-mail not sent yet", email_id=str(email.id), error=str(exc))
                await uow.emails.failed(email.id, repr(exc), now() + retry_delay(1))
                await uow.commit()
                break
            except Exception as exc:  # the message itself: counted, given up after max_attempts
                failures = await uow.emails.failed(email.id, failure_text(exc), now() + retry_delay(1), its_own=True)
                if failures >= max_attempts:
                    await uow.emails.give_up(email.id, now())
                    EMAILS_FAILED.inc()
                    log.error(
                        "e-mail given up: marked failed, never retried",
                        email_id=str(email.id),
                        failed_sends=failures,
                        error=type(exc).__name__,
                    )
                else:
                    log.warning(
                        "e-mail send failed", email_id=str(email.id), failed_sends=failures, error=type(exc).__name__
                    )
                await uow.commit()
                continue
            await uow.emails.sent(email.id)
            await uow.commit()
            delivered += 1
    return delivered


class MailSender:
    def __init__(
        self,
        uow_factory: Callable[[], CustomerUnitOfWork],
        send: Send,
        poll_seconds: float,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._uow_factory = uow_factory
        self._send = send
        self._poll_seconds = poll_seconds
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                sent = await deliver_due(self._uow_factory, self._send, max_attempts=self._max_attempts)
            except Exception as exc:  # the database away: keep trying, the outbox waits
                log.warning("e-mail sender failed", error=repr(exc))
                sent = 0
            if sent:
                continue
            self._wake.clear()
            await woken(self._wake, self._poll_seconds)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Delivers in the background while the block runs."""
        task = asyncio.create_task(self.run(), name="mail-sender")
        try:
            yield
        finally:
            task.cancel()  # a message mid-send stays claimed-uncommitted: sent again, never lost
            await asyncio.gather(task, return_exceptions=True)
