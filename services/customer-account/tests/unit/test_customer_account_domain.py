"""The plain rules: sign-in policy, import row checks, erasure, password state, hashes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import EmailStr, TypeAdapter, ValidationError

from customer_account.adapters.passwords import (
    HashingPool,
    generate_password,
    hash_generated,
    hash_password,
    needs_rehash,
    use_password_hash_cost,
    verify_password,
)
from customer_account.domain.actors import CUSTOMER, Actor
from customer_account.domain.customer import CustomerStatus, new_customer
from customer_account.domain.imports import (
    BadHeader,
    CheckedRow,
    DuplicateRows,
    RawRow,
    RowError,
    check_row,
    column_positions,
)
from customer_account.domain.sign_in import SignInPolicy, new_token, token_hash
from customer_account.service_layer.imports import is_valid_email
from trainyard_common.passwords.hashing import PasswordHashCost

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def customer() -> object:
    return new_customer(
        first_name=" Ada ", last_name="Lovelace", email=" Ada@Example.COM ", password_hash="h", organization=None
    )


def test_the_ip_slow_down_starts_after_the_free_failures_and_doubles() -> None:
    policy = SignInPolicy(ip_free_failures=3, ip_base_delay_seconds=1, ip_max_delay_seconds=10)
    assert [policy.ip_delay(n) for n in range(3)] == [0, 0, 0]
    assert [policy.ip_delay(n) for n in range(3, 8)] == [1, 2, 4, 8, 10]
    assert policy.retry_after(4, NOW - timedelta(seconds=0.5), NOW) == 2
    assert policy.retry_after(4, NOW - timedelta(seconds=3), NOW) == 0


def test_the_lockout_counts_failures_since_the_window_or_the_last_reset() -> None:
    policy = SignInPolicy(max_failures=5, failure_window=timedelta(minutes=15))
    assert policy.counts_from(NOW, None) == NOW - timedelta(minutes=15)
    assert policy.counts_from(NOW, NOW - timedelta(minutes=1)) == NOW - timedelta(minutes=1)
    assert not policy.should_lock(4)
    assert policy.should_lock(5)


def test_tokens_are_long_random_and_stored_hashed() -> None:
    token = new_token()
    assert len(token) >= 40
    assert token != new_token()
    assert token_hash(token) != token
    assert len(token_hash(token)) == 64


def test_an_unlock_forgives_earlier_failures_and_erasure_keeps_only_id_and_date() -> None:
    c = customer()
    assert c.email == "ada@example.com"
    c.change_status(CustomerStatus.LOCKED, NOW)
    c.change_status(CustomerStatus.ACTIVE, NOW)
    assert c.failures_reset_at == NOW
    created = c.created_at
    c.erase(NOW)
    assert (c.first_name, c.last_name, c.email, c.password_hash) == (None, None, None, None)
    assert c.created_at == created
    assert not c.may_sign_in()


def test_an_expired_password_must_be_changed_and_a_change_restarts_the_rule() -> None:
    c = customer()
    c.set_expiry_rule(30, NOW)
    assert not c.must_change_password(NOW)
    assert c.must_change_password(NOW + timedelta(days=31))
    c.set_password("new", NOW + timedelta(days=31))
    assert not c.must_change_password(NOW + timedelta(days=32))


def test_profile_edits_report_only_real_changes() -> None:
    c = customer()
    assert c.edit_profile({"first_name": "Ada", "email": "ADA@example.com"}) == []
    assert c.edit_profile({"last_name": "Byron", "organization": "  Engines   Ltd "}) == ["last_name", "organization"]
    assert c.organization == "Engines Ltd"


def test_the_actor_label_names_an_impersonating_admin() -> None:
    assert Actor.impersonating("grace").label == "grace (impersonating)"
    assert Actor.admin("grace").label == "grace"
    assert CUSTOMER.label == "customer"


def row(**values: str) -> RawRow:
    base = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
    return RawRow(7, {**base, **values})


def test_import_rows_are_checked_with_a_reason_each() -> None:
    group = uuid.uuid4()
    assert isinstance(
        check_row(
            row(group_id=str(group), price_id=str(uuid.uuid4()), cost="12.50"), {group}, valid_email=is_valid_email
        ),
        CheckedRow,
    )
    cases = {
        "email": (row(email="nope"), "not a valid e-mail"),
        "first_name": (row(first_name=" "), "First Name is missing"),
        "group_id": (row(group_id=str(uuid.uuid4())), "unknown group"),
        "price_id": (row(price_id="P-1"), "unknown price id"),
        "cost": (row(price_id=str(uuid.uuid4()), cost="-3"), "negative cost"),
        "password": (row(password="short"), "at least 12 characters"),
    }
    for field, (raw, reason) in cases.items():
        checked = check_row(raw, {group}, valid_email=is_valid_email)
        assert isinstance(checked, RowError), field
        assert (checked.field, checked.number) == (field, 7)
        assert reason in checked.reason
    cost_alone = check_row(row(cost="5"), set(), valid_email=is_valid_email)
    assert isinstance(cost_alone, RowError)
    assert "without a Price ID" in cost_alone.reason


def test_the_same_email_and_price_twice_is_a_duplicate_but_another_price_is_not() -> None:
    price = uuid.uuid4()
    duplicates = DuplicateRows()
    first = check_row(row(price_id=str(price)), set(), valid_email=is_valid_email)
    other = check_row(row(price_id=str(uuid.uuid4())), set(), valid_email=is_valid_email)
    again = check_row(row(email="ADA@example.com", price_id=str(price)), set(), valid_email=is_valid_email)
    assert isinstance(first, CheckedRow)
    assert isinstance(other, CheckedRow)
    assert isinstance(again, CheckedRow)
    assert duplicates.check(first) is None
    assert duplicates.check(other) is None
    assert duplicates.check(again) is not None


def test_the_header_is_matched_by_name_in_any_order() -> None:
    positions = column_positions(["email", "\ufeffFirst Name", "LAST NAME", "Cost", "Notes"])
    assert positions == {"email": 0, "first_name": 1, "last_name": 2, "cost": 3}
    with pytest.raises(BadHeader) as refused:
        column_positions(["Name", "Mail"])
    assert refused.value.missing == ["First Name", "Last Name", "Email"]


def test_generated_passwords_are_fast_hashed_then_upgraded_chosen_ones_are_argon2id() -> None:
    generated = generate_password()
    fast = hash_generated(generated)
    assert generated not in fast
    assert verify_password(fast, generated)
    assert not verify_password(fast, generated + "x")
    assert needs_rehash(fast)
    slow = hash_password("a chosen passphrase")
    assert slow.startswith("$argon2id$")
    assert verify_password(slow, "a chosen passphrase")
    assert not needs_rehash(slow)
    assert not verify_password(None, "anything")


TRICKY_ADDRESSES = [
    "x@example.com", "A.B+tag@Example.COM", "a@b.test", "a@localhost", "a..b@x.com", ".a@x.com", "a.@x.com",
    "a@-x.com", "a@x-.com", "a@x", "a@x.c", "a@1.2.3.4", "ü@x.com", "a@xn--bcher-kva.com", "a b@x.com",
    "a@@x.com", "@x.com", "a@", "a@x..com", "o'brien@x.com", "a@bücher.de", "a" * 65 + "@x.com",
    "a@" + "b" * 64 + ".com", "a@" + ".".join(["abcdefghi"] * 30) + ".com", "Ada <ada@x.com>", "a@x.invalid",
    "a%b@x.com", "_a_@x.com", "-a-@x.com", "a@x.com.", "a@[127.0.0.1]",
]  # fmt: skip


@pytest.mark.parametrize("address", TRICKY_ADDRESSES)
def test_the_fast_email_check_agrees_with_the_contracts_email_str(address: str) -> None:
    try:
        TypeAdapter(EmailStr).validate_python(address)
        expected = True
    except ValidationError:
        expected = False
    assert is_valid_email(address) is expected
    assert is_valid_email(address) is expected, "and again, from the cache of domains"


async def test_the_configured_cost_reaches_every_hash_even_in_the_import_pool() -> None:
    pool = HashingPool(1)
    try:
        use_password_hash_cost(PasswordHashCost.TESTS_ONLY)
        cheap = [hash_password("a chosen passphrase"), *await pool.hash_all(["an imported passphrase"])]
        assert all(h.startswith("$argon2id$v=19$m=8,t=1,p=1$") for h in cheap), cheap
        use_password_hash_cost(PasswordHashCost.RFC_9106_LOW_MEMORY)
        [full] = await pool.hash_all(["an imported passphrase"])
        assert full.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert needs_rehash(cheap[0]), "hashed at another cost: upgraded at the next sign-in"
        assert verify_password(cheap[0], "a chosen passphrase")
    finally:
        use_password_hash_cost(PasswordHashCost.RFC_9106_LOW_MEMORY)
        pool.close()
