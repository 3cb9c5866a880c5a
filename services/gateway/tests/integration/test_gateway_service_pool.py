"""The gateway's connection pool towards a service (issue 18, item 3): a burst of concurrent
calls waits for a free connection instead of failing with 503, and at least 100 calls are in
flight at once (50 learners checking out beside the admin pages)."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Receive, Scope, Send

from gateway.adapters.services import ServiceClient, ServiceTokenAuth
from gateway.domain.replies import ServiceUnavailable
from trainyard_common.testing.served import served

SLOW_SECONDS = 0.8
TIMEOUT_SECONDS = 2.0  # opening 100 connections at once can take over 1 s on a busy 2-core machine


class SlowService:
    """Answers every request after ``SLOW_SECONDS``; counts the requests in flight."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(SLOW_SECONDS)
        finally:
            self.in_flight -= 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})


async def test_a_burst_waits_for_the_pool_instead_of_failing_and_100_calls_run_at_once() -> None:
    service = SlowService()
    async with served(service) as url:
        client = ServiceClient("slow", url, timeout_seconds=TIMEOUT_SECONDS, auth=ServiceTokenAuth("k" * 32, 30))
        async with client.open():
            # 300 calls, 100 at a time: the last ones wait ~1.6 s for a connection, and each
            # then takes 0.8 s — longer in all than the per-call timeout, which is not the pool's.
            replies = await asyncio.gather(*(client.call("GET", f"/v1/things/{n}") for n in range(300)))

    assert [r.status_code for r in replies] == [200] * 300
    assert service.most_in_flight >= 100


async def test_a_slow_answer_still_times_out_per_call() -> None:
    """The per-call timeout still holds for the call itself: a service slower than it is a 503."""
    async with served(SlowService()) as url:
        client = ServiceClient("slow", url, timeout_seconds=SLOW_SECONDS / 4, auth=ServiceTokenAuth("k" * 32, 30))
        async with client.open():
            with pytest.raises(ServiceUnavailable):
                await client.call("GET", "/v1/things/1")


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers each request with its own body."""
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def test_a_json_body_goes_out_whole_integers_of_any_size_included() -> None:
    """A body the gateway accepted reaches the service as it was: JSON allows any integer."""
    body = {"correct": [2**90, 7], "text": "Ünïcode"}
    async with served(_echo) as url:
        client = ServiceClient("echo", url, timeout_seconds=TIMEOUT_SECONDS, auth=ServiceTokenAuth("k" * 32, 30))
        async with client.open():
            reply = await client.call("POST", "/v1/echo", body=body)
    assert reply.status_code == 200
    assert json.loads(reply.content) == body
