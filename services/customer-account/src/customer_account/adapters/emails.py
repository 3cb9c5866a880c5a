"""The e-mail outbox: messages are written in the transaction that causes them, and a sender
task delivers them over SMTP.

Delivery claims a row with ``FOR UPDATE SKIP LOCKED`` (two senders never take the same one),
sends it, and deletes it in that same transaction. A crash before the send leaves the row for
the next attempt (nothing lost); the only window for a second delivery is between the SMTP
server's acceptance and our commit, and the message keeps its Message-ID (the row id) then,
so a receiving system can drop the copy.

A send that fails for the message's own sake (it cannot be built — a line break in a header —
or the server refuses it for good, 5xx) counts in ``send_failures``; after the configured number
the row is marked ``failed_at``: kept for inspection, never claimed again. A server that cannot
be reached or asks to try later (4xx) raises ``MailServerUnavailable``: the message is not at
fault and waits, however long that lasts.
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
from customer_account.service_layer.mail_sender import MailServerUnavailable
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
            .where(email_outbox.c.next_attempt_at <= at, email_outbox.c.failed_at.is_(None))
            .order_by(email_outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._session.execute(query)
        return [Email(r.recipient, r.subject, r.body, r.customer_id, r.id) for r in rows]

    async def sent(self, email_id: uuid.UUID) -> None:
        await self._session.execute(delete(email_outbox).where(email_outbox.c.id == email_id))

    async def failed(self, email_id: uuid.UUID, error: str, retry_at: datetime, *, its_own: bool = False) -> int:
        """Record a failed send (``its_own``: for the message's sake) and when to retry; the
        message's failed sends so far (``send_failures``)."""
        values = {"attempts": email_outbox.c.attempts + 1, "last_error": error[:500], "next_attempt_at": retry_at}
        if its_own:
            values["send_failures"] = email_outbox.c.send_failures + 1
        failures = await self._session.scalar(
            update(email_outbox)
            .where(email_outbox.c.id == email_id)
            .values(**values)
            .returning(email_outbox.c.send_failures)
        )
        return int(failures or 0)

    async def give_up(self, email_id: uuid.UUID, at: datetime) -> None:
        """Mark the message failed: it stays, for inspection, and is never claimed again."""
        await self._session.execute(update(email_outbox).where(email_outbox.c.id == email_id).values(failed_at=at))

    async def forget_customer(self, customer_id: uuid.UUID) -> None:
        """Erasure: undelivered mail to the customer goes too (it holds their address)."""
        await self._session.execute(delete(email_outbox).where(email_outbox.c.customer_id == customer_id))


def build_message(settings: SmtpSettings, email: Email) -> EmailMessage:
    """The message as sent; ``ValueError`` when a header cannot be written (a CR or LF in it)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = f"<{email.id}@customer-account.trainyard>"
    message.set_content(email.body)
    return message


async def send_email(settings: SmtpSettings, email: Email) -> None:
    """Send ``email``; ``MailServerUnavailable`` when the server is away or says to try later,
    any other error when the message itself failed."""
    message = build_message(settings, email)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            start_tls=settings.starttls,
            timeout=settings.timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as exc:
        if 400 <= exc.code < 500:
            raise MailServerUnavailable(f"the server asks to try later ({exc.code})") from exc
        raise
    except (OSError, TimeoutError) as exc:  # aiosmtplib's connect, disconnect and timeout errors are these
        raise MailServerUnavailable(f"the server cannot be reached ({type(exc).__name__})") from exc
