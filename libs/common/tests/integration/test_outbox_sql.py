"""Events built in SQL (``insert_outbox_sql``) on a real PostgreSQL: payloads the contracts and the
committed JSON Schemas accept whatever the session's time zone, text escaped, nulls present, headers
with the cause, outbox order as asked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.contracts import CustomerErased, CustomerStatusChanged, UserRegistered
from trainyard_common.db.bulk import outbox_params
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.outbox import Cause, SqlEvent, insert_outbox_sql, iso8601_sql, outbox_sql_params
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.testing.outbox import check_outbox_row, outbox_rows
from trainyard_common.vocabulary import ActorKind, CustomerStatus, RegistrationSource

pytestmark = pytest.mark.integration

SOURCE = "/trainyard/tests"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

# Registered customers, some erased since: a relation as a bulk path would have written it.
PEOPLE = """(VALUES
    (2, CAST(:ada AS uuid), 'ada@example.com', 'Ada "the first"', E'Love\\nlace \\u00e9', NULL::text,
     CAST('2025-03-14 09:26:53.5+00' AS timestamptz), NULL::timestamptz),
    (1, CAST(:grace AS uuid), 'grace@example.com', 'Grace', 'Hopper', 'Navy',
     CAST('2025-03-15 23:59:59+00' AS timestamptz), CAST('2025-04-01 12:00:00+00' AS timestamptz))
) AS c(n, id, email, first_name, last_name, organization, registered_at, erased_at)"""

EVENTS = (
    SqlEvent(  # deprecated (issue 16): its personal fields are empty
        UserRegistered,
        "json_build_object('customer_id', c.id, 'email', '', 'first_name', '', "
        "'last_name', '', 'organization', '', 'source', 'import', "
        f"'registered_at', {iso8601_sql('c.registered_at')})",
    ),
    SqlEvent(
        CustomerErased,
        f"json_build_object('customer_id', c.id, 'erased_at', {iso8601_sql('c.erased_at')})",
        when="c.erased_at IS NOT NULL",
    ),
    SqlEvent(  # free text: quotes, a new line, a non-ASCII letter, and a null
        CustomerStatusChanged,
        "json_build_object('customer_id', c.id, 'status', 'locked', 'previous_status', 'active', "
        "'reason', CASE WHEN c.organization IS NULL THEN c.first_name || ' ' || c.last_name END, "
        f"'actor', 'system', 'changed_at', {iso8601_sql('c.registered_at')})",
    ),
)


@pytest.fixture
async def sessions(new_database: Callable[[str], str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(new_database("outbox_sql"), pool_size=1)
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield make_session_factory(engine)
    await engine.dispose()


async def _write(sessions: async_sessionmaker[AsyncSession], cause: Cause, **people: uuid.UUID) -> None:
    async with sessions() as session:
        # Far from UTC, with a half-hour offset: the payloads must not depend on it.
        await session.execute(text("SET TIME ZONE 'America/St_Johns'"))
        statement = insert_outbox_sql(PEOPLE, EVENTS, key="c.id", order="c.n")
        await session.execute(
            text(statement), {**{k: str(v) for k, v in people.items()}, **outbox_sql_params(EVENTS, SOURCE, cause)}
        )
        await session.commit()


async def test_payloads_and_headers_are_what_consumers_accept_in_the_order_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ada, grace = uuid.uuid4(), uuid.uuid4()
    await _write(sessions, Cause("request-7", {"traceparent": TRACEPARENT}), ada=ada, grace=grace)
    async with sessions() as session:
        checked = [check_outbox_row(*row, source=SOURCE) for row in await outbox_rows(session)]

    assert [(type(c.event), c.envelope.subject) for c in checked] == [
        (UserRegistered, str(grace)),  # row n=1 first, its events in the order given
        (CustomerErased, str(grace)),
        (CustomerStatusChanged, str(grace)),
        (UserRegistered, str(ada)),  # Ada is not erased: no CustomerErased
        (CustomerStatusChanged, str(ada)),
    ]
    grace_registered, grace_erased, grace_status, ada_registered, ada_status = (c.event for c in checked)
    registered_at = datetime(2025, 3, 14, 9, 26, 53, 500000, tzinfo=UTC)
    assert ada_registered == UserRegistered(
        customer_id=ada,
        email="",
        first_name="",
        last_name="",
        source=RegistrationSource.IMPORT,
        registered_at=registered_at,
    )
    assert ada_status == CustomerStatusChanged(
        customer_id=ada,
        status=CustomerStatus.LOCKED,
        previous_status=CustomerStatus.ACTIVE,
        reason='Ada "the first" Love\nlace é',
        actor=ActorKind.SYSTEM,
        changed_at=registered_at,
    )
    assert isinstance(grace_registered, UserRegistered)
    assert isinstance(grace_status, CustomerStatusChanged)
    assert grace_status.reason is None
    assert grace_erased == CustomerErased(customer_id=grace, erased_at=datetime(2025, 4, 1, 12, tzinfo=UTC))
    assert {c.envelope.correlation_id for c in checked} == {"request-7"}
    assert {c.headers["traceparent"] for c in checked} == {TRACEPARENT}
    assert len({c.envelope.event_id for c in checked}) == 5
    times = {c.envelope.time for c in checked}
    assert len(times) == 1, "ce_time: the transaction's time, once per statement"
    assert abs((times.pop() - datetime.now(UTC)).total_seconds()) < 60


async def test_a_write_without_a_correlation_id_gets_one_for_all_its_events(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _write(sessions, Cause(), ada=uuid.uuid4(), grace=uuid.uuid4())
    async with sessions() as session:
        checked = [check_outbox_row(*row, source=SOURCE) for row in await outbox_rows(session)]
    correlation_ids = {c.envelope.correlation_id for c in checked}
    assert len(correlation_ids) == 1
    assert "traceparent" not in checked[0].headers


async def test_events_written_in_sql_through_a_unit_of_work_wake_the_relay_at_commit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """As emitted events do: otherwise a bulk path's events wait for the relay's next poll."""
    nudges: list[str] = []
    uow = SqlUnitOfWork(sessions, source=SOURCE, after_commit=lambda: nudges.append("nudged"))
    async with uow:
        statement = insert_outbox_sql(PEOPLE, EVENTS, key="c.id", order="c.n")
        people = {"ada": str(uuid.uuid4()), "grace": str(uuid.uuid4())}
        await uow.session.execute(text(statement), {**people, **outbox_params(uow, EVENTS)})
        assert nudges == []
        await uow.commit()
    assert nudges == ["nudged"]
    async with sessions() as session:
        assert len(await outbox_rows(session)) == 5
