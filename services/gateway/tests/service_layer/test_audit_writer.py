"""Issue 18, item 2: the audit entries of concurrent requests share one INSERT and one commit,
each request still waits for its own entry, and a failed write fails every request of its batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text

from gateway.adapters.repository import AuditRepository
from gateway.bootstrap import MIGRATIONS
from gateway.domain.audit import AuditEntry, AuditQuery, Outcome, RequestOrigin, bind_request_origin
from gateway.service_layer.audit import AuditWriter, audit_page
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]
N = 40


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gw_audit_writer"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch written (one statement each: ``AuditRepository.add_many``); an entry
    written on its own (``add``) fails the test."""
    sizes: list[int] = []
    add_many = AuditRepository.add_many

    async def counted(self: AuditRepository, entries: list[AuditEntry]) -> None:
        sizes.append(len(entries))
        await add_many(self, entries)

    async def alone(self: AuditRepository, entry: AuditEntry) -> None:
        raise AssertionError("an entry written on its own")

    monkeypatch.setattr(AuditRepository, "add_many", counted)
    monkeypatch.setattr(AuditRepository, "add", alone)
    return sizes


def an_entry(i: int) -> AuditEntry:
    return AuditEntry(
        actor=f"admin-{i}",
        action="read",
        target=f"customer:{i}",
        outcome=Outcome.SUCCESS,
        status_code=200,
        correlation_id=f"c-{i}",
    )


async def entries(uows: Uows) -> list[AuditEntry]:
    async with uows() as uow:
        found, _ = await audit_page(uow, AuditQuery(limit=1000))
    return found


async def one_request(writer: AuditWriter, i: int) -> None:
    """A request of its own (its own context): its origin is bound, then its entry recorded."""
    bind_request_origin(RequestOrigin(client_ip=f"192.0.2.{i}", user_agent=f"agent-{i}"))
    await writer.record(an_entry(i))


async def test_concurrent_entries_are_all_written_in_one_insert_and_one_commit(uows: Uows, batches: list[int]) -> None:
    writer = AuditWriter(uows)
    await one_request(writer, 0)  # a lone entry: written at once
    assert batches == [1]
    await asyncio.gather(*(one_request(writer, i) for i in range(1, N + 1)))
    written = {entry.actor: entry for entry in await entries(uows)}
    assert set(written) == {f"admin-{i}" for i in range(N + 1)}
    for i in range(N + 1):  # each entry keeps its own request's origin, not the writer task's
        assert (written[f"admin-{i}"].client_ip, written[f"admin-{i}"].user_agent) == (f"192.0.2.{i}", f"agent-{i}")
    # All N were queued before the first of them was written: one statement, one commit.
    assert batches == [1, N]


async def test_every_request_of_a_failed_batch_fails(uows: Uows) -> None:
    async with uows() as uow:
        await uow.session.execute(
            text("ALTER TABLE audit_log ADD CONSTRAINT refuse_in_test CHECK (actor <> 'admin-7') NOT VALID")
        )
        await uow.commit()
    writer = AuditWriter(uows)
    outcomes = await asyncio.gather(*(one_request(writer, i) for i in range(N)), return_exceptions=True)
    failed = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, Exception)]
    assert 7 in failed  # its own entry failed: its request fails
    written = {entry.actor for entry in await entries(uows)}
    assert not written & {f"admin-{i}" for i in failed}  # no request that failed has an entry
    assert written == {f"admin-{i}" for i in range(N) if i not in failed}  # every success has one
    assert len(failed) > 1  # the batch that held admin-7's entry failed as a whole
    await one_request(writer, N)  # the writer goes on with the next batch
    assert f"admin-{N}" in {entry.actor for entry in await entries(uows)}
