"""Folding a batch per key gives what applying its events one by one gave (no database)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from trainyard_common.db.batches import apply_in_order, first_per_key, last_per_key, latest_per_key
from trainyard_common.projections.clients import ClientNews, client_after
from trainyard_common.projections.customers import KnownCustomer, ProfileChange, with_profile

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


@dataclass(frozen=True)
class Write:
    key: int
    at: int
    value: str


def test_last_and_first_per_key_keep_one_item_per_key_sorted_by_key() -> None:
    writes = [Write(2, 0, "a"), Write(1, 0, "b"), Write(2, 0, "c"), Write(1, 0, "d"), Write(3, 0, "e")]
    assert [w.value for w in last_per_key(writes, key=lambda w: w.key)] == ["d", "c", "e"]
    assert [w.value for w in first_per_key(writes, key=lambda w: w.key)] == ["b", "a", "e"]


def test_latest_per_key_takes_the_latest_and_of_equal_ones_the_later() -> None:
    writes = [Write(1, 5, "a"), Write(1, 9, "b"), Write(1, 7, "c"), Write(1, 9, "d"), Write(1, 2, "e")]
    assert latest_per_key(writes, key=lambda w: w.key, at=lambda w: w.at) == [Write(1, 9, "d")]


def _guarded_one_by_one(stored: dict[int, Write], writes: list[Write]) -> dict[int, Write]:
    """What ``ON CONFLICT DO UPDATE … WHERE stored.at <= excluded.at`` did, one write at a time."""
    rows = dict(stored)
    for write in writes:
        if write.key not in rows or rows[write.key].at <= write.at:
            rows[write.key] = write
    return rows


@pytest.mark.parametrize("seed", range(100))
def test_latest_per_key_then_a_guarded_write_equals_guarded_writes_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    stored = {k: Write(k, rng.randint(0, 10), f"stored{k}") for k in range(3) if rng.random() < 0.6}
    writes = [Write(rng.randrange(3), rng.randint(0, 10), f"w{n}") for n in range(rng.randint(1, 8))]
    folded = latest_per_key(writes, key=lambda w: w.key, at=lambda w: w.at)
    assert _guarded_one_by_one(stored, folded) == _guarded_one_by_one(stored, writes)


def test_apply_in_order_returns_only_changed_states_of_known_keys() -> None:
    states = {1: 10, 2: 20, 3: 30}
    items = [(1, 5), (2, -20), (2, 20), (4, 1), (3, 0)]
    changed = apply_in_order(states, items, key=lambda i: i[0], step=lambda state, i: state + i[1])
    assert changed == {1: 15}, "2 came back to its value, 3 did not change, 4 is unknown"


def test_a_removal_from_a_client_the_learner_has_left_changes_nothing() -> None:
    assert client_after(B, ClientNews(A, A, assigned=False)) == B
    assert client_after(A, ClientNews(A, A, assigned=False)) is None
    assert client_after(None, ClientNews(A, A, assigned=False)) is None
    assert client_after(A, ClientNews(A, B, assigned=True)) == B


def _set_client_one_by_one(
    clients: dict[uuid.UUID, uuid.UUID | None], news: list[ClientNews]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """The per-event handlers did ``UPDATE customers SET client_id = :new WHERE id = :id`` (an
    assignment) or ``… SET client_id = NULL WHERE id = :id AND client_id = :removed`` (a removal)."""
    rows = dict(clients)
    for n in news:
        if n.customer_id in rows and (n.assigned or rows[n.customer_id] == n.client_id):
            rows[n.customer_id] = n.client_id if n.assigned else None
    return rows


@pytest.mark.parametrize("seed", range(100))
def test_client_news_applied_in_memory_equals_the_updates_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    customers = [uuid.UUID(int=100 + n) for n in range(3)]
    clients = {c: rng.choice([A, B, C, None]) for c in customers[:2]}  # the third is unknown
    news = [
        ClientNews(rng.choice(customers), rng.choice([A, B, C]), assigned=rng.random() < 0.5)
        for _ in range(rng.randint(1, 8))
    ]
    changed = apply_in_order(clients, news, key=lambda n: n.customer_id, step=client_after)
    assert {**clients, **changed} == _set_client_one_by_one(clients, news)
    assert all(clients[c] != after for c, after in changed.items()), "only what changed is written"


def test_profile_changes_of_a_batch_apply_in_order_to_the_known_customers_only() -> None:
    registered = datetime(2026, 1, 1, tzinfo=UTC)
    known = {A: KnownCustomer(A, "ada@example.org", "Ada", "Lovelace", registered)}

    def change(customer_id: uuid.UUID, email: str, first_name: str) -> ProfileChange:
        return ProfileChange(customer_id, email, first_name, "King")

    changes = [
        change(A, "One@Example.org", "One"),
        change(B, "b@example.org", "B"),
        change(A, "Two@Example.org", "Two"),
    ]
    changed = apply_in_order(known, changes, key=lambda c: c.customer_id, step=with_profile)
    assert changed == {A: KnownCustomer(A, "two@example.org", "Two", "King", registered)}
