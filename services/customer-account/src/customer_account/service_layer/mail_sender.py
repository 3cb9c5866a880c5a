"""The sender task: delivers the e-mail outbox over SMTP, one claimed message at a time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from customer_account.domain.customer import now
from customer_account.domain.emails import Email, retry_delay
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.logs import get_logger

log = get_logger(__name__)

Send = Callable[[Email], Awaitable[None]]


async def deliver_due(uow_factory: Callable[[], CustomerUnitOfWork], send: Send, batch: int = 20) -> int:
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
            except Exception as exc:  # SMTP down, refused: try again later, with back-off
                log.warning("e-mail not sent yet", email_id=str(email.id), error=type(exc).__name__)
                await uow.emails.failed(email.id, repr(exc), now() + retry_delay(1))
                await uow.commit()
                break
            await uow.emails.sent(email.id)
            await uow.commit()
            delivered += 1
    return delivered


class MailSender:
    def __init__(self, uow_factory: Callable[[], CustomerUnitOfWork], send: Send, poll_seconds: float) -> None:
        self._uow_factory = uow_factory
        self._send = send
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                sent = await deliver_due(self._uow_factory, self._send)
            except Exception as exc:  # the database away: keep trying, the outbox waits
                log.warning("e-mail sender failed", error=repr(exc))
                sent = 0
            if sent:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Delivers in the background while the block runs."""
        task = asyncio.create_task(self.run(), name="mail-sender")
        try:
            yield
        finally:
            task.cancel()  # a message mid-send stays claimed-uncommitted: sent again, never lost
            await asyncio.gather(task, return_exceptions=True)
