"""customer-account's use cases called directly: its unit of work on a fresh, migrated database,
no Kafka, no HTTP (the events they emit are read back from the outbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from customer_account.adapters.passwords import hash_password, use_password_hash_cost
from customer_account.bootstrap import MIGRATIONS
from customer_account.domain.customer import Customer
from customer_account.entrypoints.customers_http import list_customers
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.api.customers import CustomerList
from trainyard_common.passwords.hashing import PasswordHashCost
from trainyard_common.testing.use_cases import units_of_work

Uows = Callable[[], CustomerUnitOfWork]
Register = Callable[..., Awaitable[Customer]]

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_password_hashes() -> None:
    """The tests' cost, as the in-process services hash (passwords/hashing.py in libs/common)."""
    use_password_hash_cost(PasswordHashCost.TESTS_ONLY)


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("ca_use_cases"), CustomerUnitOfWork, MIGRATIONS) as factory:
        yield factory


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2id once: every registered customer shares it


@pytest.fixture
def register(uows: Uows, password_hash: str) -> Register:
    async def register(email: str = "ada@example.com", **command: object) -> Customer:
        fields: dict[str, object] = {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": email,
            "password_hash": password_hash,
            "organization": None,
            **command,
        }
        async with uows() as uow:
            return await register_customer(uow, RegisterCustomer(**fields))  # type: ignore[arg-type]

    return register


async def listed(uow: CustomerUnitOfWork, **filters: Any) -> CustomerList:
    """The admin list's page as its client reads it: the route writes its body straight out
    (``PlainJSON``), and this reads it back through the documented model."""
    page = {"search": None, "status": None, "group_id": None, "client_id": None, **filters}
    response = await list_customers(uow, **page)
    return CustomerList.model_validate_json(bytes(response.body))
