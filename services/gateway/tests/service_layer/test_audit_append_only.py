"""The audit trail is append-only in the database itself (issue 15, item 15): whatever the code
(or a person with the service's credentials) sends, an UPDATE, DELETE or TRUNCATE of audit_log is
refused, and the migrating role keeps no right to them. An entry records the request's origin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.bootstrap import MIGRATIONS
from gateway.domain.audit import AuditEntry, AuditQuery, Outcome, RequestOrigin, bind_request_origin
from gateway.service_layer.audit import audit_page, record
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gw_audit"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


def an_entry(actor: str = "ada") -> AuditEntry:
    return AuditEntry(
        actor=actor, action="read", target="customer:1", outcome=Outcome.SUCCESS, status_code=200, correlation_id="c-1"
    )


async def run(uows: Uows, statement: str) -> None:
    async with uows() as uow:
        await uow.session.execute(text(statement))
        await uow.commit()


async def entries(uows: Uows) -> list[AuditEntry]:
    async with uows() as uow:
        found, _ = await audit_page(uow, AuditQuery())
    return found


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone-else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_audit_entries_cannot_be_changed_or_removed_in_the_database(uows: Uows, statement: str) -> None:
    async with uows() as uow:
        await record(uow, an_entry())
    with pytest.raises(DBAPIError, match=r"permission denied|append-only"):
        await run(uows, statement)
    assert [e.actor for e in await entries(uows)] == ["ada"]


async def test_even_the_owner_is_refused_by_the_trigger_when_it_grants_itself_the_rights_back(uows: Uows) -> None:
    async with uows() as uow:
        await record(uow, an_entry())
        await uow.session.execute(text("GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO CURRENT_USER"))
        await uow.commit()
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            await run(uows, statement)
    assert [e.actor for e in await entries(uows)] == ["ada"]


async def test_no_role_holds_a_right_to_change_the_audit_log(uows: Uows) -> None:
    """Read from the table's ACL: a superuser (as tests may run) passes every privilege check."""
    async with uows() as uow:
        granted = await uow.session.execute(
            text(
                "SELECT a.privilege_type, pg_get_userbyid(a.grantee) = c_owner.name AS to_owner "
                "FROM pg_class c, aclexplode(c.relacl) a, LATERAL (SELECT pg_get_userbyid(c.relowner) AS name) c_owner "
                "WHERE c.relname = 'audit_log'"
            )
        )
        rights = {(row.privilege_type, row.to_owner) for row in granted}
    assert ("INSERT", True) in rights
    assert ("SELECT", True) in rights
    assert not {right for right, _ in rights} & {"UPDATE", "DELETE", "TRUNCATE"}


async def test_an_entry_records_the_request_origin_unless_it_names_its_own(uows: Uows) -> None:
    bind_request_origin(RequestOrigin(client_ip="203.0.113.9", user_agent="Mozilla/5.0 (audit test)"))
    try:
        async with uows() as uow:
            await record(uow, an_entry("ada"))
            await record(uow, AuditEntry(**{**_fields(an_entry("bob")), "client_ip": "198.51.100.1"}))
    finally:
        bind_request_origin(RequestOrigin())
    by_actor = {e.actor: e for e in await entries(uows)}
    assert (by_actor["ada"].client_ip, by_actor["ada"].user_agent) == ("203.0.113.9", "Mozilla/5.0 (audit test)")
    assert (by_actor["bob"].client_ip, by_actor["bob"].user_agent) == ("198.51.100.1", "Mozilla/5.0 (audit test)")


def _fields(entry: AuditEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in AuditEntry.__dataclass_fields__}
