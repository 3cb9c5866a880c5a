"""The admin client list on big data (issue 18, item 4): each filter combination is answered
from an index — no sequential scan of clients, domains or aliases — its page and its (capped)
total alike; the search still finds a client by name, domain and alias."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import orjson
import pytest

from client_directory.adapters.repository import CLIENT_ORDER, client_list_query, client_rows
from client_directory.bootstrap import MIGRATIONS
from client_directory.entrypoints.clients_http import get_client, list_clients
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.api.clients import ClientList
from trainyard_common.db.counting import COUNT_CAP, capped_count_query
from trainyard_common.testing.plans import assert_no_seq_scan, explain
from trainyard_common.testing.use_cases import database_filled_once, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], DirectoryUnitOfWork]
CLIENTS = 50_000

FILL = f"""
INSERT INTO clients (id, name, industry, active, created_at)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Client ' || i,
       'Industry ' || (i % 40), i % 10 <> 0, now()
FROM generate_series(1, {CLIENTS}) AS i;
INSERT INTO client_domains (client_id, domain)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'client' || i || '.example'
FROM generate_series(1, {CLIENTS}) AS i;
INSERT INTO client_aliases (client_id, alias, alias_key)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'Alias ' || i || ' Inc', 'alias ' || i || ' inc'
FROM generate_series(1, {CLIENTS}) AS i
"""

COMBINATIONS: list[dict[str, Any]] = [
    {},
    {"search": "Client 4242"},
    {"search": "client777.exam"},
    {"search": "alias 31"},
    {"industry": "Industry 7"},
    {"active": False},
    {"active": True},
    {"search": "Client 12", "active": True},
    {"industry": "Industry 7", "active": False},
]


@pytest.fixture(scope="module")
def filled_database(pg_url: str) -> Iterator[str]:
    """Filled once for the module: its tests only read."""
    with database_filled_once(
        pg_url, "cd_lists", MIGRATIONS, FILL, "clients", "client_domains", "client_aliases"
    ) as url:
        yield url


@pytest.fixture
async def filled(filled_database: str) -> AsyncIterator[Uows]:
    async with units_of_work(filled_database, DirectoryUnitOfWork, MIGRATIONS) as uows:
        yield uows


async def test_each_filter_combination_is_answered_from_an_index(filled: Uows) -> None:
    failures = []
    for filters in COMBINATIONS:
        query = client_list_query(**filters)
        async with filled() as uow:
            plans = {
                "page": await explain(uow.session, client_rows(query).order_by(*CLIENT_ORDER).limit(50).offset(0)),
                "total": await explain(uow.session, capped_count_query(query)),
            }
        for name, plan in plans.items():
            try:
                assert_no_seq_scan(plan, "clients", "client_domains", "client_aliases")
            except AssertionError as failure:
                failures.append(f"{name} of {filters}: {failure}")
    assert not failures, "\n\n".join(failures)


async def listed(uow: DirectoryUnitOfWork, **filters: Any) -> ClientList:
    """The list's page as its client reads it (the route writes its body straight out: ``PlainJSON``)."""
    response = await list_clients(uow, **{"search": None, "industry": None, "active": None, **filters})
    return ClientList.model_validate_json(bytes(response.body))


async def test_the_list_finds_by_name_domain_and_alias_and_caps_its_total(filled: Uows) -> None:
    for search in ("client 4242", "@client4242.example", "Alias 4242 inc"):
        found = await listed(filled(), search=search, limit=50, offset=0)
        assert "Client 4242" in [c.name for c in found.items], search
    one = await list_clients(filled(), search="client4242.example", industry=None, active=None, limit=50, offset=0)
    [written] = orjson.loads(one.body)["items"]
    assert (written["name"], written["email_domains"], written["aliases"]) == (
        "Client 4242",
        ["client4242.example"],
        ["Alias 4242 Inc"],
    )
    shown = await get_client(uuid.UUID(written["id"]), filled())
    assert written == orjson.loads(shown.model_dump_json()), "ids and dates as the same strings as pydantic writes them"
    everyone = await listed(filled(), limit=5, offset=0)
    assert (everyone.total, everyone.total_capped, len(everyone.items)) == (COUNT_CAP + 1, True, 5)
