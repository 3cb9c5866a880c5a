"""The faults, one function each: it runs while the workload streams, and returns once the fault
is over (the process restarted, the broker answering, the database reachable again) — the
moment recovery time is measured from. Timings are drawn from the seed's ``rng``."""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from aiokafka import AIOKafkaProducer

from faults.broker import OwnBroker
from faults.checker import read_topics
from faults.workload import FaultSystem, Size, Workload
from trainyard_common.contracts import UserRegisteredV2
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.outbox import Cause, OutboxRows
from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING, KeyEncryptionKeys
from trainyard_common.testing.databases import set_connections_allowed
from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.sealed_events import TEST_KEY, registered
from trainyard_common.testing.system import DOMAIN_SERVICES

SESSION_TIMEOUT_SECONDS = 10  # aiokafka's default session.timeout.ms


@dataclass
class Context:
    fs: FaultSystem
    broker: OwnBroker | None
    bootstrap: str
    rng: random.Random
    workload: Workload
    size: Size
    short: bool

    def into_stream(self, low: float = 0.2, high: float = 0.6) -> None:
        """Wait until the stream runs, then a seed-drawn share of its length."""
        self.workload.started.wait(120)
        time.sleep(self.rng.uniform(low, high) * self.size.stream_seconds)


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: Callable[[Context], None]
    setup: Callable[[Context], None] | None = None


def _restart(service: ServiceProcess) -> None:
    service.start()
    service.wait_ready(120)


def consumer_sigkill(ctx: Context) -> None:
    """client-directory SIGKILLed mid-batch: before or after its commit, as the seed's timing falls."""
    ctx.into_stream(0.1, 0.7)
    service = ctx.fs.service("client_directory")
    service.kill()
    _restart(service)


def relay_sigkill(ctx: Context) -> None:
    """customer-account (and its relay) SIGKILLed while the import's burst is being published."""
    ctx.workload.import_acknowledged.wait(120)
    time.sleep(ctx.rng.uniform(0.0, 0.4))
    service = ctx.fs.service("customer_account")
    service.kill()
    _restart(service)


def broker_sigkill(ctx: Context) -> None:
    assert ctx.broker is not None, "needs the suite's own broker"
    ctx.into_stream()
    ctx.broker.kill()
    time.sleep(ctx.rng.uniform(1.0, 4.0))
    ctx.broker.start(timeout=120)


def zombie_consumer(ctx: Context) -> None:
    """client-directory SIGSTOPped past its session timeout (a replica takes its partitions), then continued."""
    ctx.into_stream(0.1, 0.4)
    process = ctx.fs.service("client_directory").process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        time.sleep(SESSION_TIMEOUT_SECONDS + ctx.rng.uniform(3, 8))
    finally:
        process.send_signal(signal.SIGCONT)


def one_replica_more(package: str) -> Callable[[Context], None]:
    def setup(ctx: Context) -> None:
        if not [p for p in ctx.fs.extra if p.package == package]:
            ctx.fs.replica(package)

    return setup


def database_down(ctx: Context) -> None:
    """client-directory's database refuses connections (backends terminated) for 30 s (10 s short)."""
    ctx.into_stream(0.1, 0.4)
    url = ctx.fs.database("client_directory")
    set_connections_allowed(url, False)
    try:
        time.sleep(10 if ctx.short else 30)
    finally:
        set_connections_allowed(url, True)


def poison(ctx: Context) -> None:
    """Unreadable records mixed into UserRegistered.v2 (what the services read, issue 16): bad JSON,
    missing CloudEvents headers, a payload breaking its contract. Expected: one dead letter per
    record and consuming group."""
    topic = ctx.fs.topic_prefix + UserRegisteredV2.topic()
    ctx.workload.started.wait(120)

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=ctx.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for n in range(6):
                key = f"poison-{uuid.uuid4()}".encode()
                headers = Envelope(event_type="UserRegistered", source="/faults").to_headers()
                value, sent_headers = [
                    (b"{not json", headers),
                    (b'{"customer_id": "x"}', headers),
                    (b"{}", []),
                ][n % 3]
                ctx.workload.ledger.poison_keys.add(key)
                await producer.send_and_wait(topic, value, key=key, headers=sent_headers)
                await asyncio.sleep(ctx.rng.uniform(0.1, 0.6) * ctx.size.stream_seconds / 6)
        finally:
            await producer.stop()

    asyncio.run(send())


def duplicates(ctx: Context) -> None:
    """The stream's records so far produced again, identical (key, value, headers: same event ids)."""
    ctx.into_stream(0.5, 0.9)
    prefix = ctx.fs.topic_prefix
    topics = [
        prefix + t
        for t in (
            "UserRegistered.v2",  # what the services read (issue 16)
            "CustomerImported.v2",
            "OrderCompleted",
            "CustomerErased",
            "ProgressRecorded",
            "LearnerAssignedToClient",
        )
    ]

    async def again() -> None:
        records = await read_topics(ctx.bootstrap, topics)
        producer = AIOKafkaProducer(bootstrap_servers=ctx.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            sent = [
                await producer.send(r.topic, r.value, key=r.key, headers=list(r.headers), partition=r.partition)
                for r in records
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    asyncio.run(again())


def rebalance_storm(ctx: Context) -> None:
    """A second and third client-directory join and leave, again and again, while the stream flows."""
    ctx.workload.started.wait(120)
    for _ in range(2 if ctx.short else 3):
        replicas = [ctx.fs.replica("client_directory", wait=False) for _ in range(2)]
        time.sleep(ctx.rng.uniform(0.5, 2.0))
        for replica in replicas:
            replica.stop()
            ctx.fs.extra.remove(replica)


def long_open_outbox_transaction(ctx: Context) -> None:
    """A registration whose transaction (customer row + outbox row) stays open for seconds while
    later ones commit and are published: it must still be published once it commits."""
    ctx.into_stream(0.0, 0.3)
    workload = ctx.workload
    customer_id = uuid.uuid4()
    email = workload.email("held", ctx.rng.randrange(10**6))
    at = datetime.now(UTC)
    # As customer-account writes a registration: the customer, its key (wrapped with the development
    # KEK the fault system runs with) and both versions of the event, the personal fields sealed in v2.
    event = registered(customer_id, email, first_name="Held", last_name="Open", registered_at=at, key=TEST_KEY)
    wrapped, kek_id = KeyEncryptionKeys.parse(DEVELOPMENT_KEYS_SETTING).wrap(TEST_KEY)
    outbox = OutboxRows("/trainyard/customer-account")
    rows = [outbox.row(event.version_1(), Cause()), outbox.row(event, Cause())]
    with psycopg.connect(ctx.fs.database("customer_account")) as conn:
        conn.execute(
            "INSERT INTO customers (id, first_name, last_name, email, status, created_at)"
            " VALUES (%s, %s, %s, %s, 'active', %s)",
            (customer_id, "Held", "Open", email, at),
        )
        conn.execute(
            "INSERT INTO customer_keys (customer_id, wrapped_key, kek_id, created_at) VALUES (%s, %s, %s, %s)",
            (customer_id, wrapped, kek_id, at),
        )
        for topic, key, payload, headers in rows:
            conn.execute(
                "INSERT INTO outbox (topic, message_key, payload, headers) VALUES (%s, %s, %s, %s::jsonb)",
                (topic, key, payload, headers),
            )
        time.sleep(ctx.rng.uniform(4, 8))  # later transactions commit and are published meanwhile
        conn.commit()
    with workload.ledger.lock:
        workload.ledger.held.add(str(customer_id))
        workload.ledger.attempted += 1


def sigterm_mid_stream(ctx: Context) -> None:
    """SIGTERM (graceful stop) in the middle of the stream: client-directory or customer-account by seed."""
    ctx.into_stream(0.2, 0.6)
    service = ctx.fs.service("client_directory" if ctx.rng.random() < 0.5 else "customer_account")
    service.stop()
    _restart(service)


def every_service_twice(ctx: Context) -> None:
    """No fault beyond the set-up: two replicas of every domain service share relay lock, groups, sweeps."""
    ctx.workload.started.wait(120)


def two_of_each(ctx: Context) -> None:
    threads = [threading.Thread(target=one_replica_more(p), args=(ctx,)) for p in DOMAIN_SERVICES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("consumer-sigkill", consumer_sigkill),
        Scenario("relay-sigkill", relay_sigkill),
        Scenario("broker-sigkill", broker_sigkill),
        Scenario("zombie-consumer", zombie_consumer, one_replica_more("client_directory")),
        Scenario("database-down", database_down),
        Scenario("poison-messages", poison),
        Scenario("duplicate-deliveries", duplicates),
        Scenario("rebalance-storm", rebalance_storm),
        Scenario("long-open-outbox-txn", long_open_outbox_transaction),
        Scenario("sigterm-mid-stream", sigterm_mid_stream),
        Scenario("two-replicas-each", every_service_twice, two_of_each),
    )
}
