"""Issue 16, item 3: a send the SMTP server refuses for the recipient's sake (its text quotes the
address) leaves no e-mail address in the outbox row's ``last_error`` nor in the log line."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import aiosmtplib
import pytest
from sqlalchemy import text

from customer_account.domain.customer import now
from customer_account.domain.emails import Email
from customer_account.service_layer.mail_sender import deliver_due
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.logs import configure_logging

pytestmark = pytest.mark.integration

Uows = Callable[[], CustomerUnitOfWork]
ADDRESS = "bob.secret@example.com"


async def _refuse_with_one_recipient(email: Email) -> None:
    reason = f"5.1.1 <{email.recipient}>: Recipient address rejected"
    raise aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, reason, email.recipient)])


async def _refuse_the_recipient(email: Email) -> None:
    reason = f"5.1.1 <{email.recipient}>: Recipient address rejected"
    raise aiosmtplib.SMTPRecipientRefused(550, reason, email.recipient)


@pytest.mark.parametrize("send", [_refuse_with_one_recipient, _refuse_the_recipient], ids=["all", "one"])
async def test_a_refused_recipient_is_not_repeated_in_the_outbox_error_or_the_log(
    uows: Uows, send: Callable[[Email], object], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("mail-failure-privacy-test")
    async with uows() as uow:
        await uow.emails.add([Email(ADDRESS, "Welcome", "Hello", id=uuid.uuid4())], now())
        await uow.commit()
    assert await deliver_due(uows, send, max_attempts=1) == 0  # type: ignore[arg-type]
    async with uows() as uow:
        (error,) = (await uow.session.execute(text("SELECT last_error FROM email_outbox"))).scalars().all()
    assert "SMTPRecipient" in error
    assert "550" in error or "refused" in error
    assert "bob.secret" not in error
    assert "bob.secret" not in capsys.readouterr().out
