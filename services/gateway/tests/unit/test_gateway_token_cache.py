"""Issue 18, item 2: the token checks' cache, on an injected clock: answers live at most their
lifetime (≤ 1 s), ended keys and tags go at once, a lookup racing an end is not kept, the size
is bounded."""

from __future__ import annotations

import uuid

import pytest

from gateway.adapters.token_cache import TokenCache, customer_tag
from gateway.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> TokenCache[str]:
    return TokenCache(clock=clock, max_entries=3)


def test_an_answer_lives_its_lifetime_from_the_lookup_start(cache: TokenCache[str], clock: Clock) -> None:
    started = cache.now()
    clock.now += 0.2  # the lookup took 200 ms
    cache.put("h1", "ada", ttl=1.0, started=started)
    assert cache.get("h1") == "ada"
    clock.now = started + 0.999
    assert cache.get("h1") == "ada"
    clock.now = started + 1.0
    assert cache.get("h1") is None  # 1 s after the lookup started: asked again
    assert len(cache) == 0


def test_no_answer_is_kept_longer_than_a_second(cache: TokenCache[str], clock: Clock) -> None:
    cache.put("h1", "ada", ttl=30.0, started=cache.now())
    clock.now += 1.0
    assert cache.get("h1") is None
    with pytest.raises(ValueError, match="less than or equal to 1"):
        Settings(database_url="postgresql://nobody@127.0.0.1:9/none", token_cache_seconds=2)


def test_a_zero_lifetime_keeps_nothing(cache: TokenCache[str]) -> None:
    cache.put("h1", "ada", ttl=0, started=cache.now())
    assert cache.get("h1") is None


def test_ending_a_key_or_a_tag_forgets_at_once(cache: TokenCache[str]) -> None:
    cache.put("h1", "ada", ttl=1.0, started=cache.now(), tag="admin:1")
    cache.put("h2", "ada", ttl=1.0, started=cache.now(), tag="admin:1")
    cache.put("h3", "bob", ttl=1.0, started=cache.now(), tag="admin:2")
    cache.end(key="h1")
    assert cache.get("h1") is None
    assert cache.get("h2") == "ada"
    cache.end(tag="admin:1")
    assert (cache.get("h2"), cache.get("h3")) == (None, "bob")


def test_a_lookup_started_before_an_end_is_not_kept(cache: TokenCache[str], clock: Clock) -> None:
    started = cache.now()  # a request reads the token (still live in the database)...
    clock.now += 0.01
    cache.end(key="h1")  # ...the token is revoked meanwhile...
    clock.now += 0.01
    cache.put("h1", "ada", ttl=1.0, started=started)  # ...its stale answer is not kept
    assert cache.get("h1") is None
    other = cache.now()
    cache.end(tag="customer:1")
    cache.put("h2", "ada", ttl=1.0, started=other, tag="customer:1")
    assert cache.get("h2") is None
    clock.now += 0.01
    cache.put("h1", "ada", ttl=1.0, started=cache.now())  # a lookup after the end is kept
    assert cache.get("h1") == "ada"


def test_a_hold_covers_the_call_that_ends_the_session(cache: TokenCache[str], clock: Clock) -> None:
    cache.put("h1", "ada", ttl=1.0, started=cache.now())
    cache.end(key="h1", hold=5.0)  # the sign-out passes the gate; its call may take up to 5 s
    clock.now += 2.0
    cache.put("h1", "ada", ttl=1.0, started=cache.now())  # looked up while the call was under way
    assert cache.get("h1") is None
    clock.now += 3.5
    cache.put("h1", "ada", ttl=1.0, started=cache.now())
    assert cache.get("h1") == "ada"


def test_the_size_is_bounded_the_oldest_go_first(cache: TokenCache[str], clock: Clock) -> None:
    for i in range(5):
        cache.put(f"h{i}", str(i), ttl=1.0, started=cache.now())
        clock.now += 0.01
    assert len(cache) == 3
    assert [cache.get(f"h{i}") for i in range(5)] == [None, None, "2", "3", "4"]


def test_ended_marks_are_pruned(cache: TokenCache[str], clock: Clock) -> None:
    for i in range(10):
        cache.end(key=f"h{i}")
        clock.now += 2.0  # past the longest lifetime: the mark can no longer refuse anything
    assert len(cache._ended) <= 2


def test_a_customer_is_one_tag_however_its_id_is_spelt() -> None:
    customer_id = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    assert customer_tag(customer_id) == customer_tag(customer_id.lower()) == customer_tag(uuid.UUID(customer_id))
