"""Issue 18, item 2: the token checks' cache, on an injected clock: answers live at most their
lifetime (≤ 1 s), ended keys and tags go at once, a lookup racing an end is not kept, the size
is bounded, and requests missing the same token together share one lookup."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gateway.adapters.token_cache import REFRESH_AHEAD, TokenCache, customer_tag
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


class Lookups:
    """A fetch the test releases by hand, counting how often it was started."""

    def __init__(self, answer: tuple[str, str | None] | None = ("ada", "customer:1")) -> None:
        self.started = 0
        self.answer = answer
        self.release = asyncio.Event()

    async def __call__(self) -> tuple[str, str | None] | None:
        self.started += 1
        await self.release.wait()
        return self.answer


async def test_requests_missing_together_share_one_lookup(cache: TokenCache[str]) -> None:
    fetch = Lookups()
    waiting = [asyncio.ensure_future(cache.lookup("h1", fetch, ttl=1.0)) for _ in range(20)]
    await asyncio.sleep(0)
    fetch.release.set()
    assert await asyncio.gather(*waiting) == ["ada"] * 20
    assert fetch.started == 1
    assert await cache.lookup("h1", fetch, ttl=1.0) == "ada"  # then from the cache
    assert fetch.started == 1


async def test_a_request_after_an_end_does_not_join_the_lookup_before_it(cache: TokenCache[str]) -> None:
    before, after = Lookups(), Lookups(answer=None)
    first = asyncio.ensure_future(cache.lookup("h1", before, ttl=1.0))
    await asyncio.sleep(0)
    cache.end(key="h1")  # signed out while the first lookup is under way
    second = asyncio.ensure_future(cache.lookup("h1", after, ttl=1.0))
    await asyncio.sleep(0)
    before.release.set()
    after.release.set()
    assert await first == "ada"  # asked before the sign-out
    assert await second is None  # asked after it: its own lookup, which finds the session ended
    assert (before.started, after.started, cache.get("h1")) == (1, 1, None)


async def test_a_failed_lookup_fails_every_waiter_and_keeps_nothing(cache: TokenCache[str]) -> None:
    async def down() -> tuple[str, str | None] | None:
        await asyncio.sleep(0)
        raise ConnectionError("customer-account is down")

    waiting = [asyncio.ensure_future(cache.lookup("h1", down, ttl=1.0)) for _ in range(3)]
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert cache.get("h1") is None
    again = Lookups()
    again.release.set()
    assert await cache.lookup("h1", again, ttl=1.0) == "ada"  # the next request asks again
    assert again.started == 1


async def test_a_waiter_that_gives_up_does_not_cancel_the_others(cache: TokenCache[str]) -> None:
    fetch = Lookups()
    leaving = asyncio.ensure_future(cache.lookup("h1", fetch, ttl=1.0))
    staying = asyncio.ensure_future(cache.lookup("h1", fetch, ttl=1.0))
    await asyncio.sleep(0)
    leaving.cancel()  # its client went away
    fetch.release.set()
    assert await staying == "ada"
    assert leaving.cancelled()
    assert fetch.started == 1


async def test_an_answer_late_in_its_life_is_given_and_looked_up_again_meanwhile(
    cache: TokenCache[str], clock: Clock
) -> None:
    fetch = Lookups()
    fetch.release.set()
    assert await cache.lookup("h1", fetch, ttl=1.0) == "ada"  # looked up at 100.0: lives until 101.0
    clock.now = 100 + REFRESH_AHEAD - 0.01
    assert await cache.lookup("h1", fetch, ttl=1.0) == "ada"
    await asyncio.sleep(0)
    assert fetch.started == 1  # before its refresh point: no lookup yet

    clock.now = 100 + REFRESH_AHEAD + 0.05
    assert await cache.lookup("h1", fetch, ttl=1.0) == "ada"  # given at once...
    for _ in range(3):
        await asyncio.sleep(0)
    assert fetch.started == 2  # ...and looked up again in the background
    clock.now = 100.99
    assert cache.get("h1") == "ada"
    clock.now = 101 + REFRESH_AHEAD + 0.05
    assert cache.get("h1") is None  # never longer than its lifetime after a lookup started


async def test_a_refresh_ahead_uses_its_own_lookup_and_a_miss_the_waiting_one(
    cache: TokenCache[str], clock: Clock
) -> None:
    waiting, ahead = Lookups(), Lookups(answer=("ada, refreshed", None))
    waiting.release.set()
    ahead.release.set()
    assert await cache.lookup("h1", waiting, ttl=1.0, refresh=ahead) == "ada"
    clock.now = 100 + REFRESH_AHEAD + 0.05
    assert await cache.lookup("h1", waiting, ttl=1.0, refresh=ahead) == "ada"
    for _ in range(3):
        await asyncio.sleep(0)
    assert (waiting.started, ahead.started) == (1, 1)
    assert cache.get("h1") == "ada, refreshed"


async def test_a_refresh_that_finds_the_token_ended_forgets_it_at_once(cache: TokenCache[str], clock: Clock) -> None:
    live = Lookups()
    live.release.set()
    assert await cache.lookup("h1", live, ttl=1.0) == "ada"
    ended = Lookups(answer=None)
    ended.release.set()
    clock.now = 100.9

    assert await cache.lookup("h1", ended, ttl=1.0) == "ada"  # looked up 0.9 s ago: still given
    for _ in range(3):
        await asyncio.sleep(0)

    assert ended.started == 1
    assert cache.get("h1") is None  # the refresh found it ended: not given again
