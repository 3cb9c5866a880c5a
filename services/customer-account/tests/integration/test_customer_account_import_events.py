"""A customer import's events and activity entries are written by PostgreSQL from the staged batch
(``adapters/imports.py``): every event must be what consumers accept — the committed JSON Schema, the
contract, CloudEvents headers — and what the Python builders (``registered_values``, sealed, and
``version_1()``) give for the same rows, a customer's UserRegistered before its CustomerImported.

The service layer runs against a fresh, migrated database with no relay, so the outbox keeps every
row for the test to read."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from customer_account.adapters.imports import ImportBatches
from customer_account.adapters.passwords import HashingPool
from customer_account.bootstrap import MIGRATIONS, NAME
from customer_account.domain.actors import Actor
from customer_account.domain.imports import RawRow
from customer_account.service_layer.imports import CustomerImport, ImportOptions, ImportReport
from customer_account.service_layer.registration import registered_values
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerImportedV2, UserRegistered, UserRegisteredV2
from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.testing.outbox import CheckedRow, check_outbox_row, outbox_rows
from trainyard_common.vocabulary import RegistrationSource

pytestmark = pytest.mark.integration

SOURCE = f"/trainyard/{NAME}"
P1, P2, P3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def sessions(new_database: Callable[[str], str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = new_database("ca_import_events")
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    engine = make_engine(url, pool_size=2)
    yield make_session_factory(engine)
    await engine.dispose()


def _row(number: int, first: str, last: str, email: str, price: uuid.UUID | None = None, cost: str = "") -> RawRow:
    values = {"first_name": first, "last_name": last, "email": email, "price_id": str(price or ""), "cost": cost}
    return RawRow(number, values)


async def _run(sessions: async_sessionmaker[AsyncSession], batches: list[list[RawRow]]) -> ImportReport:
    def uow() -> CustomerUnitOfWork:
        return CustomerUnitOfWork(sessions, source=SOURCE)

    async def rows() -> AsyncIterator[list[RawRow]]:
        for batch in batches:
            yield batch

    hashing = HashingPool(1)
    try:
        return await CustomerImport(uow, hashing, ImportOptions(currency="CAD"), Actor.admin("ops")).run(rows())
    finally:
        hashing.close()


async def test_every_event_of_an_import_is_valid_and_what_the_python_builders_give(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    taken = uuid.uuid4()
    async with sessions() as session:
        await session.execute(
            text(
                "INSERT INTO customers (id, first_name, last_name, email, status, created_at) "
                "VALUES (:id, 'Al', 'Ready', 'taken@example.com', 'active', now())"
            ),
            {"id": taken},
        )
        await session.commit()
    bind_correlation_id("import-request-2")
    started = datetime.now(UTC)
    report = await _run(
        sessions,
        [
            [
                _row(1, "Ada", "Lovelace", "Ada@Example.com", P1, "$49.90"),  # new customer + order
                _row(2, "Ada", "Lovelace", "ada@example.com", P2),  # a second order, no cost
            ],
            [
                _row(3, 'Bob "Bobby"', "O'Brien\tZoë", "bob@example.com"),  # new customer, no order
                _row(4, "Al", "Ready", "taken@example.com", P3, "10"),  # an order for an existing customer
            ],
            [_row(5, "Al", "Ready", "TAKEN@example.com")],  # nothing to do: refused
        ],
    )
    assert (report.created, report.imported_rows, [e.number for e in report.errors]) == (2, 4, [5])

    async with sessions() as session:
        checked = [check_outbox_row(*row, source=SOURCE) for row in await outbox_rows(session)]
        activity = (
            await session.execute(text("SELECT customer_id, type, actor_kind, actor_name, details FROM activity_log"))
        ).all()
    async with CustomerUnitOfWork(sessions, source=SOURCE) as uow:
        created = {c.email: c for c in [await uow.customers.get(e.customer_id) for e in _registered(checked)] if c}
    ada, bob = created["ada@example.com"], created["bob@example.com"]

    assert [(type(c.event).__name__, c.envelope.subject) for c in checked] == [
        ("UserRegistered", str(ada.id)),
        ("UserRegisteredV2", str(ada.id)),
        ("CustomerImported", str(ada.id)),
        ("CustomerImportedV2", str(ada.id)),
        ("CustomerImported", str(ada.id)),
        ("CustomerImportedV2", str(ada.id)),
        ("UserRegistered", str(bob.id)),
        ("UserRegisteredV2", str(bob.id)),
        ("CustomerImported", str(taken)),
        ("CustomerImportedV2", str(taken)),
    ]
    # Version 2: the same events, the personal fields sealed with each customer's key (created for the
    # customer from before keys, ``taken``), in no readable form in the outbox.
    async with CustomerUnitOfWork(sessions, source=SOURCE) as uow:
        keys = {c: await uow.keys.key_of(c) for c in (ada.id, bob.id, taken)}
    v1 = [c.event for c in checked if not isinstance(c.event, UserRegisteredV2 | CustomerImportedV2)]
    v2 = [c.event for c in checked if isinstance(c.event, UserRegisteredV2 | CustomerImportedV2)]
    assert v1 == [e.version_1() for e in v2], "version 1 (deprecated): version 2 with the personal fields empty"
    assert all(e.email.startswith("tyenc:v1:") for e in v2)
    async with sessions() as session:
        sealed = " ".join(payload for topic, _, payload, _ in await outbox_rows(session) if topic.endswith(".v2"))
        clear = " ".join(payload for topic, _, payload, _ in await outbox_rows(session) if not topic.endswith(".v2"))
    for personal in ("ada@example", "bob@example", "taken@example", "Lovelace", "Bobby", "Ready"):
        assert personal.lower() not in sealed.lower()
        assert personal.lower() not in clear.lower()
    assert str(taken) in sealed
    assert str(ada.id) in sealed
    registrations = [e for e in v2 if isinstance(e, UserRegisteredV2)]
    assert [e.opened(keys[e.customer_id]) for e in registrations] == [  # type: ignore[arg-type]
        registered_values(ada, RegistrationSource.IMPORT),
        registered_values(bob, RegistrationSource.IMPORT),
    ]
    assert _registered(checked) == [e.version_1() for e in registrations]
    imported = [e for e in v2 if isinstance(e, CustomerImportedV2)]
    assert all(started <= e.imported_at <= datetime.now(UTC) for e in imported)
    assert [e.opened(keys[e.customer_id]) for e in imported] == [  # type: ignore[arg-type]
        {
            "import_id": report.import_id,
            "row_number": number,
            "customer_id": customer,
            "email": email,
            "price_id": price,
            "cost": cost,
            "currency": "CAD" if cost is not None else None,
            "imported_at": e.imported_at,
        }
        for e, (number, customer, email, price, cost) in zip(
            imported,
            [
                (1, ada.id, "ada@example.com", P1, Decimal("49.90")),
                (2, ada.id, "ada@example.com", P2, None),
                (4, taken, "taken@example.com", P3, Decimal("10")),
            ],
            strict=True,
        )
    ]
    assert {c.envelope.correlation_id for c in checked} == {"import-request-2"}
    assert sorted((a.customer_id, a.type, a.actor_kind, a.actor_name, a.details["row"]) for a in activity) == sorted(
        [(ada.id, "created", "admin", "ops", 1), (bob.id, "created", "admin", "ops", 3)]
    )
    assert {(a.details["channel"], a.details["import_id"]) for a in activity} == {("import", str(report.import_id))}


def _registered(checked: list[CheckedRow]) -> list[UserRegistered]:
    return [c.event for c in checked if isinstance(c.event, UserRegistered)]


async def test_a_customer_registered_meanwhile_loses_its_rows_and_nothing_of_them_is_written(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The e-mail is taken between the batch's lookup and its insert (here: the lookup misses it)."""
    taken = uuid.uuid4()
    async with sessions() as session:
        await session.execute(
            text(
                "INSERT INTO customers (id, first_name, last_name, email, status, created_at) "
                "VALUES (:id, 'Al', 'Ready', 'taken@example.com', 'active', now())"
            ),
            {"id": taken},
        )
        await session.commit()

    async def nobody(self: ImportBatches, emails: object) -> dict[str, uuid.UUID]:
        return {}

    monkeypatch.setattr(ImportBatches, "existing", nobody)
    report = await _run(
        sessions,
        [[_row(1, "Al", "Ready", "taken@example.com", P1), _row(2, "Al", "Ready", "taken@example.com", P2)]],
    )
    assert (report.created, report.imported_rows) == (0, 0)
    assert [(e.number, e.reason) for e in report.errors] == [
        (1, "taken@example.com is already registered"),
        (2, "taken@example.com is already registered"),
    ]
    async with sessions() as session:
        assert await outbox_rows(session) == []
        assert (await session.execute(text("SELECT count(*) FROM activity_log"))).scalar_one() == 0
