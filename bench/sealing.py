"""The cost of sealing personal fields on the hot path (issue 16): events/s of the messaging pipeline
with the ``UserRegistered.v2`` payload sealed and with the same payload in clear, in the same run
(target: sealed ≤ 10 % slower).

```bash
uv run python bench/sealing.py                          # N=20000 per round, 2 rounds of each mode
uv run python bench/sealing.py --one-process            # writer, relay and consumer on one core
uv run python bench/sealing.py --count 2000 --rounds 1  # a quick check
```

The shape, and why. What sealing adds is CPU at the two ends, and nothing else changes (same topic,
same number of records, a payload ~200 bytes longer): the writer creates the customer's key and
seals four fields per event; the consumer looks the keys of its batch up and opens the fields. So the
bench runs exactly those two ends, with the real code, around the real plumbing:

* **a bench service** on ``trainyard_common.runtime.ServiceRuntime`` (as the messaging tests' probe
  service is: the outbox relay, the consumer with ``Delivery``, offsets, ``processed_events`` claims),
  on a fresh database and a fresh topic prefix per round (``bench-<run>-<mode><round>.``: the
  ``UserRegistered.v2`` topic and its dead-letter topic, 3 partitions; both deleted afterwards);
* **the write path** (the clock starts here), in the bench process with the relay: N registrations'
  events, ``--per-commit`` (1,000) per transaction through the unit of work (``uow.emit`` → the
  outbox; the commit nudges the relay). Sealed: each customer's 32-byte data key is created and
  stored wrapped by the KEK by customer-account's own ``CustomerKeyStore.create_new`` (one INSERT
  per transaction, as a registration stores its new customer's key) and the event is built by
  ``UserRegisteredV2.sealing(fields, key)`` (AES-256-GCM per field, one key schedule per event).
  Clear: the same fields through ``UserRegisteredV2.model_validate`` (the contract does not check
  the envelope's pattern, so the same model carries clear text);
* **the consumer**, by default in a process of its own (``multiprocessing``, as a consuming service
  runs apart from customer-account), a batch handler, one transaction per partition's batch.
  Sealed: the consuming services' own path, ``trainyard_common.privacy.consumers.open_batch`` — one
  key lookup per batch through ``RemoteCustomerKeys`` (the batching and the cache the services use),
  then ``opened(key)`` per event; clear: ``model_dump()``. Both then save the rows in the shared
  customer projection as commerce-access and training-progress do (``CustomerProjection.save_all``:
  the tombstone locks, one INSERT of arrays per batch). The sealed mode is the services' own
  ``SealedCustomerEvents.on_users_registered``, step for step;
* **the clock stops** when the projection holds N rows (polled: ``harness.wait_for_counts``).

Each round's line gives the CPU per event of each process, and of that the CPU of the step that
differs between the modes (writer: sealing vs. validation, the key statement not included;
consumer: opening vs. dump;
``time.thread_time``, so the shared machine's other work is not counted). The raw per-field costs
are measured first, in the same run.

One difference from production, named: the key lookup. A service asks customer-account over HTTP
(``POST /v1/customer-keys/lookup``, one call per batch of up to 1,000 customers), which reads the
wrapped keys and unwraps them. Here ``RemoteCustomerKeys._lookup`` does that same work without the
HTTP hop: customer-account's own ``CustomerKeyStore.keys_of`` (one ``SELECT`` of the batch's wrapped
keys, each unwrapped with the KEK) in the round's database. The hop (a loopback round trip
and customer-account's request handling, a few ms per batch of hundreds of events) is left out;
each sealed round's line gives the number of lookups.

``--one-process`` runs the consumer in the bench process too: writer, relay and consumer take turns
on one event loop, one core — the crypto's share of one core, the pessimistic ratio. Rounds
alternate the modes (clear, sealed, sealed, clear, …) so a drift of the shared machine hits both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness import (
    PARTITIONS,
    CpuMeter,
    Probe,
    Run,
    delete_quietly,
    find_endpoints,
    fresh_databases,
    run_header,
    wait_for_counts,
)
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, Table, Text, Uuid
from sqlalchemy.ext.asyncio import create_async_engine

from customer_account.adapters.customer_keys import CustomerKeyStore
from trainyard_common.contracts.customers import UserRegisteredV2
from trainyard_common.db.engine import async_url
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.logs import configure_logging
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.messaging.topics import TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics
from trainyard_common.privacy.consumers import open_batch
from trainyard_common.privacy.key_source import RemoteCustomerKeys
from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING, KeyEncryptionKeys, new_data_key
from trainyard_common.privacy.sealing import seal, unseal
from trainyard_common.projections.customers import CustomerProjection, customer_projection_metadata, from_registration
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.vocabulary import RegistrationSource

MODES = ("clear", "sealed")
KEKS = KeyEncryptionKeys.parse(DEVELOPMENT_KEYS_SETTING)

bench_metadata = MetaData()
customer_keys = Table(  # customer-account's ``customer_keys``, without the foreign key to its customers
    "customer_keys",
    bench_metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("kek_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# --------------------------------------------------------------------------- the raw costs


def micro(count: int) -> list[str]:
    """µs per field of seal and unseal, per event of the contract's sealing/opening, per key wrap."""
    key, customer = new_data_key(), uuid.uuid4()
    email = "learner.with.a.longer.name@bench-sealing.example"

    def per(op: Any, n: int = count) -> float:  # CPU time of this thread: others' work on the machine is not counted
        started = time.thread_time()
        for _ in range(n):
            op()
        return (time.thread_time() - started) / n * 1e6

    sealed = seal(email, key, customer_id=customer, field="email")
    fields = _fields(customer, 1)
    event = UserRegisteredV2.sealing(fields, key)
    clear_event = UserRegisteredV2.model_validate(fields)
    seal_us = per(lambda: seal(email, key, customer_id=customer, field="email"))
    unseal_us = per(lambda: unseal(sealed, key, customer_id=customer, field="email"))
    sealing_us = per(lambda: UserRegisteredV2.sealing(fields, key), count // 4)
    validate_us = per(lambda: UserRegisteredV2.model_validate(fields), count // 4)
    opened_us = per(lambda: event.opened(key), count // 4)
    dump_us = per(clear_event.model_dump, count // 4)
    wrap_us = per(lambda: KEKS.wrap(new_data_key()), count // 4)
    wrapped, kek_id = KEKS.wrap(key)
    unwrap_us = per(lambda: KEKS.unwrap(wrapped, kek_id), count // 4)
    sealed_bytes = len(event.model_dump_json()) - len(clear_event.model_dump_json())
    return [
        f"raw, one field ({len(email)} chars): seal {seal_us:.1f} µs, unseal {unseal_us:.1f} µs "
        f"(AES-256-GCM + base64url + the 'tyenc:v1:' envelope; {count} each)",
        f"raw, one UserRegistered.v2 (4 personal fields): build sealed {sealing_us:.1f} µs vs clear "
        f"{validate_us:.1f} µs (+{sealing_us - validate_us:.1f}); open {opened_us:.1f} µs vs model_dump "
        f"{dump_us:.1f} µs (+{opened_us - dump_us:.1f}); payload +{sealed_bytes} bytes",
        f"raw, one data key: new + wrap {wrap_us:.1f} µs, unwrap {unwrap_us:.1f} µs",
    ]


# --------------------------------------------------------------------------- the pipeline


def _fields(customer_id: uuid.UUID, index: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "email": f"learner{index}@bench-sealing.example",
        "first_name": "Bench",
        "last_name": f"Learner {index}",
        "organization": f"Organisation {index % 100}",
        "source": RegistrationSource.SELF_REGISTRATION,
        "registered_at": datetime.now(UTC),
    }


class DatabaseKeys(RemoteCustomerKeys):
    """``RemoteCustomerKeys`` (batching, cache) with customer-account's lookup done in this database."""

    def __init__(self, runtime: ServiceRuntime[Any]) -> None:
        super().__init__(client=None)  # type: ignore[arg-type]  # never used: _lookup is replaced
        self._runtime = runtime

    async def _lookup(self, customer_ids: list[uuid.UUID]) -> dict[int, bytes | None]:
        self.lookups += 1
        async with self._runtime.session_factory() as session:  # customer-account's own statement
            stored = await CustomerKeyStore(session).keys_of(customer_ids)
        return {customer_id.int: key for customer_id, key in stored.items()}


@dataclass(frozen=True, slots=True)
class Round:
    mode: str
    count: int
    write_seconds: float  # first event built → last commit returned
    total_seconds: float  # first event built → the last projection row seen
    lookups: int
    cpu: dict[str, float]  # CPU seconds per process over the round
    crypto: dict[str, float]  # CPU s in the mode's step: writer (keys + seal | validate), consumer (open | dump)

    @property
    def rate(self) -> float:
        return self.count / self.total_seconds

    def line(self) -> str:
        per_event = ", ".join(f"{name} {seconds / self.count * 1e6:.0f}" for name, seconds in self.cpu.items())
        step = ", ".join(f"{name} {seconds / self.count * 1e6:.1f}" for name, seconds in self.crypto.items())
        lookups = ""
        if self.lookups:
            lookups = f"; {self.lookups} key lookups ({self.count / self.lookups:.0f} events each)"
        return (
            f"  {self.mode:6} {self.count} events: write {self.write_seconds:6.2f} s "
            f"({self.count / self.write_seconds:6.0f} events/s), write → all applied {self.total_seconds:6.2f} s "
            f"= {self.rate:6.0f} events/s; CPU µs/event: {per_event}; of which the {self.mode} step, CPU µs/event: "
            f"{step}{lookups}"
        )


async def prepare(kafka: str, database_url: str, prefix: str) -> list[str]:
    """The round's topics and tables; the topics' names (deleted after the round)."""
    topic = prefix + UserRegisteredV2.topic()
    topics = [topic, f"{topic}.DLQ"]
    await ensure_topics(kafka, [TopicSpec(topic, partitions=PARTITIONS), TopicSpec(topics[1], partitions=1)])
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(bench_metadata.create_all)
        await conn.run_sync(customer_projection_metadata.create_all)
    await engine.dispose()
    return topics


@contextlib.asynccontextmanager
async def bench_service(
    kafka: str, database_url: str, prefix: str, mode: str, *, relay: bool, consume: bool
) -> AsyncIterator[tuple[ServiceRuntime[Any], DatabaseKeys, dict[str, float]]]:
    """The bench service: its relay if ``relay``, its consumer of ``UserRegistered.v2`` if ``consume``."""
    settings = ServiceSettings(
        kafka_bootstrap=kafka,
        database_url=database_url,
        topic_prefix=prefix,
        environment="test",
        log_level="WARNING",
        outbox_poll_seconds=0.05,
        outbox_relay_enabled=relay,
    )
    runtime: ServiceRuntime[Any] = ServiceRuntime(settings, name=f"bench-sealing-{mode}", migrations_dir=None)
    keys = DatabaseKeys(runtime)
    spent = {"consumer": 0.0}

    async def apply(deliveries: Sequence[Delivered[UserRegisteredV2]], uow: SqlUnitOfWork) -> None:
        if mode == "sealed":
            # The batch's keys first (the lookup awaits the database, and other partitions' batches
            # run meanwhile), so that the opening itself, ``open_batch`` on the keys now cached, is
            # timed as this thread's CPU alone.
            await keys.keys_for(d.event.sealed_for() for d in deliveries)
        started = time.thread_time()
        if mode == "sealed":
            rows = [fields for _, fields in await open_batch(deliveries, keys) if fields is not None]
        else:
            rows = [d.event.model_dump() for d in deliveries]
        spent["consumer"] += time.thread_time() - started
        await CustomerProjection(uow.session).save_all(from_registration(r) for r in rows)

    if consume:
        subscriptions = runtime.subscriptions(runtime.unit_of_work)
        subscriptions.batch_handler(UserRegisteredV2)(apply)
        runtime.include(subscriptions)
    app = runtime.http_app(title="bench-sealing")
    async with app.router.lifespan_context(app):
        if consume:
            await runtime.wait_until_consuming()
        yield runtime, keys, spent


def consumer_process(kafka: str, database_url: str, prefix: str, mode: str, ready: Any, stop: Any, out: Any) -> None:
    """``--split``: the consumer alone, in a process of its own (as a consuming service runs)."""
    configure_logging("bench-sealing-consumer", "WARNING")

    async def consume() -> None:
        async with bench_service(kafka, database_url, prefix, mode, relay=False, consume=True) as (_, keys, spent):
            ready.set()
            await asyncio.to_thread(stop.wait)  # the parent's multiprocessing event, not an asyncio one
            out.put((keys.lookups, spent))

    asyncio.run(consume())


async def write(runtime: ServiceRuntime[Any], mode: str, count: int, per_commit: int) -> float:
    """The write path: ``count`` events, ``per_commit`` per transaction; seconds in the mode's own step."""
    spent = 0.0
    ids = [uuid.uuid4() for _ in range(count)]
    for start in range(0, count, per_commit):
        chunk = ids[start : start + per_commit]
        async with runtime.unit_of_work() as uow:
            if mode == "sealed":  # customer-account's own key statement (new keys, wrapped, one INSERT)
                data_keys = await CustomerKeyStore(uow.session).create_new(chunk, datetime.now(UTC))
            began = time.thread_time()  # CPU: on a shared machine wall time counts others' work
            if mode == "sealed":
                events = [UserRegisteredV2.sealing(_fields(c, start + n), data_keys[c]) for n, c in enumerate(chunk)]
            else:
                events = [UserRegisteredV2.model_validate(_fields(c, start + n)) for n, c in enumerate(chunk)]
            spent += time.thread_time() - began
            uow.emit(*events)
            await uow.commit()
    return spent


async def one_round(
    kafka: str, database_url: str, prefix: str, mode: str, count: int, per_commit: int, split: bool
) -> Round:
    applied = Probe("applied", database_url, "SELECT count(*) FROM customers", (), count)
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    child = None
    if split:
        child = context.Process(
            target=consumer_process, args=(kafka, database_url, prefix, mode, ready, stop, out), daemon=True
        )
        child.start()
        if not await asyncio.to_thread(ready.wait, 60):
            raise TimeoutError("the consumer process did not start consuming")
    try:
        async with bench_service(kafka, database_url, prefix, mode, relay=True, consume=not split) as (
            runtime,
            keys,
            spent,
        ):
            meter = CpuMeter({"bench": None, **({"consumer process": child.pid} if child else {})}).start()
            started = time.perf_counter()
            waiting = asyncio.create_task(wait_for_counts([applied]))
            writer_spent = await write(runtime, mode, count, per_commit)
            written = time.perf_counter() - started
            await waiting
            total = time.perf_counter() - started
            cpu = meter.stop().processes
        lookups, consumer_spent = keys.lookups, spent
        if child is not None:
            stop.set()
            lookups, consumer_spent = await asyncio.to_thread(out.get, True, 60)
    finally:
        if child is not None:
            stop.set()
            child.join(30)
    own = {k: v for k, v in cpu.items() if "(shared)" not in k}
    steps = {"writer": writer_spent, "consumer": consumer_spent["consumer"]}
    return Round(mode, count, written, total, lookups, own, steps)


async def main_async(args: argparse.Namespace) -> None:
    endpoints = find_endpoints()
    run = Run.new()
    split = not args.one_process
    where = "the consumer in a process of its own" if split else "writer, relay and consumer in this one process"
    print(run_header())
    print(
        f"sealing: {args.count} UserRegistered.v2 per round, {args.per_commit} per commit, {args.rounds} round(s) "
        f"of each mode, {PARTITIONS} partitions; {where}"
    )
    for line in micro(args.micro):
        print(line)
    order = [mode for r in range(args.rounds) for mode in (MODES if r % 2 == 0 else MODES[::-1])]
    rounds: list[Round] = []
    for n, mode in enumerate(order):
        with fresh_databases(endpoints.pg_url, "bench_sealing") as (database_url,):
            topics = await prepare(endpoints.kafka, database_url, f"bench-{run.id}-{mode}{n}.")
            try:
                result = await one_round(
                    endpoints.kafka,
                    database_url,
                    f"bench-{run.id}-{mode}{n}.",
                    mode,
                    args.count,
                    args.per_commit,
                    split,
                )
            finally:
                await delete_quietly(endpoints.kafka, topics)
        rounds.append(result)
        print(result.line(), flush=True)

    def mean(mode: str, value: Callable[[Round], float]) -> float:
        return statistics.mean(value(r) for r in rounds if r.mode == mode)

    rates = {mode: mean(mode, lambda r: r.rate) for mode in MODES}
    cpu = {mode: mean(mode, lambda r: sum(r.cpu.values()) / r.count * 1e6) for mode in MODES}
    slower = 100 * (1 - rates["sealed"] / rates["clear"])
    print(
        f"PIPELINE (mean of {args.rounds}): clear {rates['clear']:.0f} events/s, sealed {rates['sealed']:.0f} "
        f"events/s: sealed is {slower:.1f} % slower (target ≤ 10 %); CPU of the bench's processes "
        f"{cpu['clear']:.0f} vs {cpu['sealed']:.0f} µs/event"
    )
    print(
        "not included: the HTTP hop of each key lookup to customer-account (one per batch; each sealed round's "
        "line gives the lookups)"
    )


def main() -> None:
    configure_logging("bench-sealing", "WARNING")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="events per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each mode (alternating)")
    parser.add_argument("--per-commit", type=int, default=1000, help="events per write transaction")
    parser.add_argument(
        "--one-process", action="store_true", help="the consumer in this process too, beside the writer and relay"
    )
    parser.add_argument("--micro", type=int, default=20_000, help="repetitions of the raw per-field measurements")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
