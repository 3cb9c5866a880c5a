"""The e-mail outbox: messages are written in the transaction that causes them, and a sender
task delivers them over SMTP.

Delivery claims a row with ``FOR UPDATE SKIP LOCKED`` (two senders never take the same one),
sends it, and deletes it in that same transaction. A crash before the send leaves the row for
the next attempt (nothing lost); the only window for a second delivery is between the SMTP
server's acceptance and our commit, and the message keeps its Message-ID (the row id) then,
so a receiving system can drop the copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import email_outbox
from customer_account.domain.emails import Email
from customer_account.settings import Settings
from trainyard_common.db.batches import InsertRows


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_seconds: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> SmtpSettings:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.email_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )


# One statement for any number of e-mails (SQLAlchemy would send psycopg an executemany).
_ADD = InsertRows(email_outbox, ["id", "customer_id", "recipient", "subject", "body", "created_at", "next_attempt_at"])


class EmailOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, emails: list[Email], at: datetime) -> None:
        rows = [(e.id or uuid.uuid4(), e.customer_id, e.recipient, e.subject, e.body, at, at) for e in emails]
        await _ADD.execute(self._session, rows)

    async def claim(self, at: datetime, limit: int) -> list[Email]:
        query = (
            select(email_outbox)
            .where(email_outbox.c.next_attempt_at <= at)
            .order_by(email_outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._session.execute(query)
        return [Email(r.recipient, r.subject, r.body, r.customer_id, r.id) for r in rows]

    async def sent(self, email_id: uuid.UUID) -> None:
        await self._session.execute(delete(email_outbox).where(email_outbox.c.id == email_id))

    async def failed(self, email_id: uuid.UUID, error: str, retry_at: datetime) -> None:
        await self._session.execute(
            update(email_outbox)
            .where(email_outbox.c.id == email_id)
            .values(attempts=email_outbox.c.attempts + 1, last_error=error[:500], next_attempt_at=retry_at)
        )

    async def forget_customer(self, customer_id: uuid.UUID) -> None:
        """Erasure: undelivered mail to the customer goes too (it holds their address)."""
        await self._session.execute(delete(email_outbox).where(email_outbox.c.customer_id == customer_id))


async def send_email(settings: SmtpSettings, email: Email) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = f"<{email.id}@customer-account.trainyard>"
    message.set_content(email.body)
    await aiosmtplib.send(
        message,
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        start_tls=settings.starttls,
        timeout=settings.timeout_seconds,
    )
