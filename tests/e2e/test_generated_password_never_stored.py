"""Issue 16, item 3 through the gateway: an admin creates a customer with a blank password; the
generated password is shown once, in the answer, and nowhere else — no row of customer-account's
database (the e-mail outbox included, before and after sending) holds it in clear, and the welcome
e-mail carries a one-time set-password link instead."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from support.customers import Mailbox

from trainyard_common.db.engine import async_url

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/password-setup#token=([A-Za-z0-9_-]+)")


def _rows_holding(system: Any, value: str) -> list[str]:
    """Every row (as JSON) of every table of customer-account's database whose text holds ``value``."""
    engine = create_engine(async_url(system.customer_account.env["TRAINYARD_DATABASE_URL"]), poolclass=NullPool)
    listed = (
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    try:
        with engine.connect() as conn:
            hits = []
            for table in conn.execute(text(listed)).scalars().all():
                query = text(f'SELECT row_to_json(t)::text FROM "{table}" t WHERE row_to_json(t)::text LIKE :v')
                hits += [f"{table}: {row}" for row in conn.execute(query, {"v": f"%{value}%"}).scalars()]
            return hits
    finally:
        engine.dispose()


def test_a_generated_password_is_shown_once_and_stored_nowhere(
    system: Any, admin: httpx.Client, mailbox: Mailbox
) -> None:
    email = f"gen-{uuid.uuid4().hex[:8]}@example.com"
    body = {"first_name": "Gen", "last_name": "Erated", "email": email, "password": "", "send_welcome_email": True}
    created = admin.post("/api/v1/admin/customers", json=body)
    assert created.status_code == 201, created.text
    generated = created.json()["generated_password"]
    assert len(generated) >= 20
    assert _rows_holding(system, generated) == []  # the outbox row, if not sent yet, has no password

    (mail,) = mailbox.wait_for(email, timeout=30)
    assert generated not in mail.message.as_string()
    assert LINK.search(mail.body) is not None, mail.body
    assert _rows_holding(system, generated) == []
    assert _rows_holding(system, email)  # the scan does see the customer's rows
