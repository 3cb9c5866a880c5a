"""The shared password policy, the hashing gate (issue 15, items 5 and 6) and the hashes' cost."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from trainyard_common.http.errors import install_error_handlers
from trainyard_common.passwords import (
    MIN_LENGTH,
    HashingBusy,
    HashingGate,
    check_password,
    install_hashing_busy_handler,
)
from trainyard_common.passwords.hashing import PasswordHashCost, password_hasher
from trainyard_common.passwords.policy import common_passwords
from trainyard_common.settings import ServiceSettings


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop12", "123456789012", "PassWord1234", "QWERTY123456"])
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    assert check_password(password) is not None
    assert "common" in (check_password(password) or "")


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_LENGTH - 1)])
def test_short_passwords_are_refused(password: str) -> None:
    assert check_password(password) == f"must be at least {MIN_LENGTH} characters"


@pytest.mark.parametrize("password", ["a long passphrase", "k3J9-long-and-unguessable", "x" * 11 + "é"])
def test_long_uncommon_passwords_pass(password: str) -> None:
    assert check_password(password) is None


def test_blank_and_overlong_passwords_are_refused() -> None:
    assert check_password(" " * 20) is not None
    assert check_password("k3J9" * 100) is not None


def test_the_shipped_list_is_large_and_lower_case() -> None:
    words = common_passwords()
    assert len(words) > 10_000
    assert all(w == w.casefold() for w in words)
    assert not any(w.startswith("#") for w in words)


def test_the_gate_is_sized_from_memory_keeping_half() -> None:
    mib = 1024 * 1024
    assert HashingGate.sized_for(768 * mib, 64 * mib).slots == 6
    assert HashingGate.sized_for(64 * mib, 64 * mib).slots == 1  # never zero
    assert HashingGate.sized_for(None, 64 * mib).slots >= 1  # cgroup or physical memory


async def test_a_full_gate_refuses_after_its_wait_and_frees_on_exit() -> None:
    gate = HashingGate(1, wait_seconds=0.05, retry_after_seconds=3)
    async with gate.slot():
        with pytest.raises(HashingBusy) as refused:
            async with gate.slot():
                pass
        assert refused.value.retry_after_seconds == 3
    async with gate.slot():  # released on exit, also after a refusal
        assert gate.free_slots == 0
    assert gate.free_slots == 1


async def test_a_waiter_gets_the_slot_when_it_frees_in_time() -> None:
    gate = HashingGate(1, wait_seconds=1.0)
    entered = asyncio.Event()

    async def hold() -> None:
        async with gate.slot():
            entered.set()
            await asyncio.sleep(0.05)

    holder = asyncio.create_task(hold())
    await entered.wait()
    async with gate.slot():
        pass
    await holder


def test_busy_answers_503_with_retry_after() -> None:
    app = FastAPI()
    install_error_handlers(app)
    install_hashing_busy_handler(app)

    @app.get("/busy")
    async def busy() -> None:
        raise HashingBusy(7)

    response = TestClient(app).get("/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["code"] == "busy"


def test_production_hashes_at_rfc_9106_cost_and_refuses_the_tests_only_one() -> None:
    production = {"environment": "production", "database_url": "postgresql://db/x", "service_auth_keys": "k" * 40}
    assert ServiceSettings(**production).password_hash_cost is PasswordHashCost.RFC_9106_LOW_MEMORY
    with pytest.raises(ValidationError, match="tests-only"):
        ServiceSettings(**production, password_hash_cost="tests-only")
    full = password_hasher(PasswordHashCost.RFC_9106_LOW_MEMORY).hash("a chosen passphrase")
    assert full.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_tests_only_hash_is_still_argon2id_and_verifies() -> None:
    cheap = password_hasher(PasswordHashCost.TESTS_ONLY)
    hashed = cheap.hash("a chosen passphrase")
    assert hashed.startswith("$argon2id$")
    assert cheap.verify(hashed, "a chosen passphrase")
    assert password_hasher().check_needs_rehash(hashed), "production re-hashes it at the next sign-in"
