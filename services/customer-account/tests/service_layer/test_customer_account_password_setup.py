"""Issue 15, item 16: a generated password is never stored in clear. The welcome e-mail of an
import row or an admin-created customer without a password carries a one-time set-password link
(only its token's SHA-256 is stored), never the password; the link sets a password once, expires,
and the password policy applies."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from customer_account.adapters.passwords import HashingPool, Passwords, verify_password
from customer_account.domain.actors import Actor
from customer_account.domain.imports import RawRow
from customer_account.domain.password_setup import InvalidSetupToken
from customer_account.domain.sign_in import StoredSession, WeakPassword
from customer_account.service_layer.imports import CustomerImport, ImportOptions
from customer_account.service_layer.password_setup import SetupLinks, set_password_by_link
from customer_account.service_layer.registration import RegisterCustomer, register_customer

from .conftest import Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")
SITE = "https://learn.example.com"
LINK = re.compile(re.escape(SITE) + r"/password-setup#token=([A-Za-z0-9_-]+)")
NEW_PASSWORD = "a long and fresh passphrase"


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the service generates, as it is made (whatever the code path)."""
    made: list[str] = []
    original = Passwords.generate

    def recording() -> str:
        made.append(original())
        return made[-1]

    monkeypatch.setattr(Passwords, "generate", staticmethod(recording))
    return made


@pytest.fixture
async def hashing() -> AsyncIterator[HashingPool]:
    pool = HashingPool(1)
    yield pool
    pool.close()


async def _tables_holding(uows: Uows, needle: str) -> list[str]:
    """Every table of the database (the e-mail and event outboxes included) with a row whose
    text holds ``needle``."""
    found = []
    async with uows() as uow:
        names = (
            await uow.session.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            )
        ).scalars()
        for name in list(names):
            query = text(f'SELECT count(*) FROM "{name}" AS r WHERE strpos(r::text, :needle) > 0')
            if await uow.session.scalar(query, {"needle": needle}):
                found.append(name)
    return found


async def _outbox(uows: Uows) -> dict[uuid.UUID, str]:
    async with uows() as uow:
        rows = await uow.session.execute(text("SELECT customer_id, body FROM email_outbox"))
        return {r.customer_id: r.body for r in rows}


async def _import(uows: Uows, hashing: HashingPool, options: ImportOptions, *emails: str) -> None:
    async def batches() -> AsyncIterator[list[RawRow]]:
        yield [RawRow(n, {"first_name": "Al", "last_name": "Smith", "email": e}) for n, e in enumerate(emails, 1)]

    report = await CustomerImport(uows, hashing, options, ADMIN).run(batches())
    assert report.created == len(emails)


async def test_an_import_with_welcome_email_stores_no_generated_password_anywhere(
    uows: Uows, hashing: HashingPool, generated: list[str]
) -> None:
    await _import(uows, hashing, ImportOptions(send_welcome_email=True), "al@example.com", "bo@example.com")
    assert len(generated) == 2, "the rows without a password got generated ones"
    assert len(await _outbox(uows)) == 2, "the welcome e-mails wait in the outbox"
    for password in generated:
        assert await _tables_holding(uows, password) == []


async def test_an_imports_welcome_email_carries_a_one_time_link_stored_as_its_sha256(
    uows: Uows, hashing: HashingPool, generated: list[str]
) -> None:
    options = ImportOptions(send_welcome_email=True, setup_links=SetupLinks(SITE))
    await _import(uows, hashing, options, "al@example.com")
    [body] = (await _outbox(uows)).values()
    match = LINK.search(body)
    assert match is not None, body
    token = match.group(1)
    assert generated[0] not in body
    # the e-mail carrying the link holds it until sent (then deleted); it expires and works once
    assert await _tables_holding(uows, token) == ["email_outbox"], "the token is stored nowhere else"
    assert await _tables_holding(uows, hashlib.sha256(token.encode()).hexdigest()) == ["password_setup_tokens"]


async def test_an_admin_created_customers_welcome_email_has_the_link_not_the_password(uows: Uows) -> None:
    password = Passwords.generate()
    command = RegisterCustomer(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        password_hash=Passwords.hash_generated(password),
        organization=None,
        actor=ADMIN,
        welcome=True,
        setup_links=SetupLinks(SITE),
    )
    async with uows() as uow:
        ada = await register_customer(uow, command)
    body = (await _outbox(uows))[ada.id]
    assert LINK.search(body) is not None
    assert await _tables_holding(uows, password) == []


async def _link_for(uows: Uows, hashing: HashingPool, email: str, ttl: timedelta = timedelta(days=7)) -> str:
    await _import(uows, hashing, ImportOptions(send_welcome_email=True, setup_links=SetupLinks(SITE, ttl)), email)
    async with uows() as uow:
        customer = await uow.customers.by_email(email)
    assert customer is not None
    match = LINK.search((await _outbox(uows))[customer.id])
    assert match is not None
    return match.group(1)


async def test_the_link_sets_a_password_once_and_ends_the_sessions(uows: Uows, hashing: HashingPool) -> None:
    token = await _link_for(uows, hashing, "al@example.com")
    async with uows() as uow:
        al = await uow.customers.by_email("al@example.com")
        assert al is not None
        assert al.password_change_required
        await uow.sessions.add(StoredSession("h" * 64, al.id, None, al.created_at, al.created_at + timedelta(days=9)))
        await uow.commit()

    await set_password_by_link(uows(), token, NEW_PASSWORD)

    async with uows() as uow:
        after = await uow.customers.get(al.id)
        sessions = await uow.session.scalar(
            text("SELECT count(*) FROM sessions WHERE customer_id = :id"), {"id": al.id}
        )
        activity = await uow.session.scalar(
            text("SELECT count(*) FROM activity_log WHERE customer_id = :id AND type = 'password_set_by_link'"),
            {"id": al.id},
        )
    assert after is not None
    assert after.password_hash is not None
    assert after.password_hash.startswith("$argon2id$")
    assert verify_password(after.password_hash, NEW_PASSWORD)
    assert not after.password_change_required, "the learner chose it"
    assert (sessions, activity) == (0, 1)
    assert await _tables_holding(uows, hashlib.sha256(token.encode()).hexdigest()) == [], "the link ended"
    with pytest.raises(InvalidSetupToken) as second:
        await set_password_by_link(uows(), token, "another long passphrase")
    assert (second.value.code, second.value.field_name) == ("invalid_setup_token", "token")


async def test_an_expired_or_made_up_link_sets_nothing(uows: Uows, hashing: HashingPool) -> None:
    token = await _link_for(uows, hashing, "al@example.com", ttl=timedelta(seconds=-1))
    for attempt in (token, "made-up-token"):
        with pytest.raises(InvalidSetupToken):
            await set_password_by_link(uows(), attempt, NEW_PASSWORD)
    async with uows() as uow:
        al = await uow.customers.by_email("al@example.com")
    assert al is not None
    assert not verify_password(al.password_hash, NEW_PASSWORD)


async def test_a_weak_password_is_refused_and_the_link_stays_usable(uows: Uows, hashing: HashingPool) -> None:
    token = await _link_for(uows, hashing, "al@example.com")
    with pytest.raises(WeakPassword) as weak:
        await set_password_by_link(uows(), token, "short")
    assert (weak.value.code, weak.value.field_name) == ("weak_password", "password")
    await set_password_by_link(uows(), token, NEW_PASSWORD)
