"""The fault suite's system and its workload: a KNOWN set of changes written through the gateway.

One ``FaultSystem`` per scenario: the five services as processes (``testing.system``) on the
suite's own broker, a topic prefix and fresh databases of their own. Each seed then runs one
``Workload`` on it, under names of its own (an e-mail domain, a client, a product, a module):

* **prepare** (before the fault): customers registered and waited for until commerce-access and
  training-progress know them — the targets of the admin changes below;
* **stream** (while the fault happens), in an order drawn from the seed, paced over a few
  seconds: new registrations (``POST /learner/register``), one customer import whose rows carry
  a price id, admin product assignments, manual progress records, and erasures (inactive, then
  erase). Every answer is written in the ``Ledger``: a change counts as acknowledged when the
  gateway answered 2xx, and only acknowledged changes are expected to be applied.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from trainyard_common.messaging.topics import all_topics
from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.system import DOMAIN_SERVICES, System, running_system

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery"
IMPORT_HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"

# Every service of the suite: quick polling and commits (recovery is measured in them), small
# consumer batches (so a stream is still flowing when the fault comes), warnings only.
COMMON_ENV = {
    "TRAINYARD_OUTBOX_POLL_SECONDS": "0.2",
    "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2",
    "TRAINYARD_CONSUMER_BATCH_SIZE": "50",
    "TRAINYARD_LOG_LEVEL": "WARNING",
}
SERVICE_ENV = {
    "gateway": {"TRAINYARD_SIGN_IN_MAX_FAILURES_PER_IP": "100000"},
    "customer_account": {"TRAINYARD_SIGN_IN_IP_FREE_FAILURES": "100000"},
}


@dataclass(frozen=True, slots=True)
class Size:
    """How many changes of each kind one seed writes, and over how long."""

    registrations: int = 60
    import_rows: int = 30
    prepared: int = 30  # split in three: assignments, progress records, erasures
    stream_seconds: float = 8.0


FULL = Size()
SHORT = Size(registrations=15, import_rows=8, prepared=9, stream_seconds=3.0)


@dataclass
class FaultSystem:
    """The running system of one scenario, and the extra replicas its faults start."""

    system: System
    topic_prefix: str
    extra: list[ServiceProcess] = field(default_factory=list)
    # Topic records an earlier row already counted (seeds and scenarios may share one system):
    # each row counts its own redeliveries and dead letters; poison of every earlier row is known.
    counted: set[tuple[str, int, int]] = field(default_factory=set)
    poison_keys: set[bytes] = field(default_factory=set)

    def service(self, package: str) -> ServiceProcess:
        return getattr(self.system, package)  # type: ignore[no-any-return]

    def database(self, package: str) -> str:
        return self.service(package).env["TRAINYARD_DATABASE_URL"]

    def replica(self, package: str, *, wait: bool = True) -> ServiceProcess:
        """One more process of ``package``: same database, topics and consumer groups."""
        replica = ServiceProcess(package, dict(self.service(package).env))
        self.extra.append(replica)
        replica.start()
        if wait:
            replica.wait_ready()
        return replica

    def stop_extra(self) -> None:
        for replica in self.extra:
            with contextlib.suppress(Exception):
                replica.stop()
        self.extra.clear()

    def domain_processes(self) -> list[ServiceProcess]:
        own = [self.service(p) for p in DOMAIN_SERVICES]
        return [p for p in [*own, *self.extra] if p.process is not None]


@contextlib.contextmanager
def fault_system(pg_url: str, bootstrap: str, name: str) -> Iterator[FaultSystem]:
    """The whole system on ``bootstrap`` under a prefix of its own (topics created, then deleted)."""
    import asyncio  # noqa: PLC0415

    from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics  # noqa: PLC0415

    prefix = f"faults-{name}-{secrets.token_hex(3)}."
    specs = all_topics(partitions=3, prefix=prefix)
    asyncio.run(ensure_topics(bootstrap, specs))
    holder: FaultSystem | None = None
    try:
        with running_system(
            pg_url,
            bootstrap,
            prefix,
            admin_username="faults-admin",
            admin_password=secrets.token_urlsafe(16),
            common_env=COMMON_ENV,
            service_env=SERVICE_ENV,
        ) as system:
            holder = FaultSystem(system, prefix)
            try:
                yield holder
            finally:
                holder.stop_extra()
                for process in system.processes():  # a fault may have left one stopped (SIGSTOP)
                    if process.process is not None:
                        with contextlib.suppress(ProcessLookupError):
                            process.process.send_signal(18)  # SIGCONT
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(delete_topics(bootstrap, [s.name for s in specs]))


@dataclass
class Ledger:
    """What the workload asked for, and what the gateway acknowledged."""

    attempted: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # kind → answers that were not 2xx
    registrations: dict[str, str] = field(default_factory=dict)  # customer id → e-mail
    imported: list[str] = field(default_factory=list)  # e-mails of the acknowledged import's rows
    assignments: dict[str, str] = field(default_factory=dict)  # customer id → order id
    progress: set[str] = field(default_factory=set)  # customer ids with a module completed
    erasures: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)  # registrations committed late (long-open outbox txn)
    poison_keys: set[bytes] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def acknowledged(self) -> int:
        return (
            len(self.registrations)
            + len(self.imported)
            + len(self.assignments)
            + len(self.progress)
            + len(self.erasures)
            + len(self.held)
        )

    def fail(self, kind: str) -> None:
        with self.lock:
            self.failed[kind] = self.failed.get(kind, 0) + 1


@dataclass
class Workload:
    """One seed's changes: its own domain, client, product (with a price) and module."""

    fs: FaultSystem
    rng: random.Random
    size: Size
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    ledger: Ledger = field(default_factory=Ledger)
    client_id: str = ""
    price_id: str = ""
    module_id: str = ""
    prepared: list[str] = field(default_factory=list)
    import_acknowledged: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)

    @property
    def domain(self) -> str:
        return f"faults-{self.tag}.example"

    def email(self, what: str, n: int) -> str:
        return f"{what}-{n}-{self.tag}@{self.domain}"

    # ------------------------------------------------------------------ before the fault

    def prepare(self) -> None:
        with self.fs.system.admin() as admin:
            self.client_id = _created(
                admin.post(
                    f"{ADMIN}/clients",
                    json={"name": f"Faults {self.tag}", "industry": "Technology", "email_domains": [self.domain]},
                )
            )["id"]
            self.module_id = _created(admin.post(f"{ADMIN}/modules", json={"name": f"Module {self.tag}"}))["id"]
            product = _created(
                admin.post(
                    f"{ADMIN}/products",
                    json={
                        "name": f"Product {self.tag}",
                        "training_item": {"type": "module", "id": self.module_id},
                        "access_days": 365,
                        "prices": [{"amount": "0.00", "currency": "USD"}],
                    },
                )
            )
            self.price_id = product["prices"][0]["price_id"]
        with self.fs.system.public() as public:
            for n in range(self.size.prepared):
                body = {"first_name": "Pre", "last_name": f"Pared {n}", "email": self.email("pre", n)}
                self.prepared.append(
                    _created(public.post("/api/v1/learner/register", json={**body, "password": PASSWORD}))["id"]
                )
        self._wait_known(self.prepared)

    def _wait_known(self, customer_ids: list[str], timeout: float = 120) -> None:
        """Until commerce-access and training-progress both keep every one of them."""
        wanted = [uuid.UUID(c) for c in customer_ids]
        deadline = time.monotonic() + timeout
        for package in ("commerce_access", "training_progress"):
            while _count(
                self.fs.database(package), "SELECT count(*) FROM customers WHERE customer_id = ANY(%s)", wanted
            ) < len(wanted):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{package} never learnt of the prepared customers")
                time.sleep(0.2)

    # ------------------------------------------------------------------ while the fault happens

    def operations(self) -> list[tuple[str, Callable[[httpx.Client, httpx.Client], None]]]:
        third = self.size.prepared // 3
        assign, progress, erase = (
            self.prepared[:third],
            self.prepared[third : 2 * third],
            self.prepared[2 * third : 3 * third],
        )
        ops: list[tuple[str, Callable[[httpx.Client, httpx.Client], None]]] = []
        ops += [("register", _bind(self._register, n)) for n in range(self.size.registrations)]
        ops += [("assign", _bind(self._assign, c)) for c in assign]
        ops += [("progress", _bind(self._progress, c)) for c in progress]
        ops += [("erase", _bind(self._erase, c)) for c in erase]
        self.rng.shuffle(ops)
        ops.insert(self.rng.randrange(len(ops) // 2 + 1), ("import", self._import))
        return ops

    def stream(self) -> None:
        """Every operation once, paced over ``size.stream_seconds`` (runs in its own thread)."""
        ops = self.operations()
        pace = self.size.stream_seconds / len(ops)
        with self.fs.system.admin() as admin, self.fs.system.public() as public:
            admin.timeout = public.timeout = httpx.Timeout(15)
            self.started.set()
            for kind, op in ops:
                began = time.monotonic()
                self.ledger.attempted += self.size.import_rows if kind == "import" else 1
                try:
                    op(admin, public)
                except httpx.HTTPError:
                    self.ledger.fail(kind)
                time.sleep(max(0.0, pace - (time.monotonic() - began)))
        self.import_acknowledged.set()  # also when it was not: nobody waits for ever

    def _register(self, n: int, admin: httpx.Client, public: httpx.Client) -> None:
        email = self.email("reg", n)
        body = {"first_name": "Reg", "last_name": f"Istered {n}", "email": email, "password": PASSWORD}
        reply = public.post("/api/v1/learner/register", json=body)
        if reply.status_code == 201:
            with self.ledger.lock:
                self.ledger.registrations[reply.json()["id"]] = email
        else:
            self.ledger.fail("register")

    def _import(self, admin: httpx.Client, public: httpx.Client) -> None:
        emails = [self.email("imp", n) for n in range(self.size.import_rows)]
        rows = [f"Imp,Orted {n},{email},,,{self.price_id},0" for n, email in enumerate(emails)]
        upload = "\n".join([IMPORT_HEADER, *rows]) + "\n"
        reply = admin.post(f"{ADMIN}/customer-imports", files={"file": ("faults.csv", upload.encode(), "text/csv")})
        if reply.status_code == 200 and not reply.json()["errors"]:
            with self.ledger.lock:
                self.ledger.imported.extend(emails)
        else:
            self.ledger.fail("import")
        self.import_acknowledged.set()

    def _assign(self, customer_id: str, admin: httpx.Client, public: httpx.Client) -> None:
        reply = admin.post(f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": self.price_id})
        if reply.status_code == 201:
            body = reply.json()
            with self.ledger.lock:
                self.ledger.assignments[customer_id] = str(body.get("order_id") or body.get("id"))
        else:
            self.ledger.fail("assign")

    def _progress(self, customer_id: str, admin: httpx.Client, public: httpx.Client) -> None:
        body = {
            "training_type": "module",
            "item_id": self.module_id,
            "customer_id": customer_id,
            "completed_on": "2025-01-01",
        }
        reply = admin.post(f"{ADMIN}/training-progress", json=body)
        if reply.status_code == 201:
            with self.ledger.lock:
                self.ledger.progress.add(customer_id)
        else:
            self.ledger.fail("progress")

    def _erase(self, customer_id: str, admin: httpx.Client, public: httpx.Client) -> None:
        inactive = admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"})
        reply = admin.post(f"{ADMIN}/customers/{customer_id}/erasure") if inactive.status_code == 200 else inactive
        if reply.status_code == 202:
            with self.ledger.lock:
                self.ledger.erasures.add(customer_id)
        else:
            self.ledger.fail("erase")


def _bind(op: Callable[..., None], arg: Any) -> Callable[[httpx.Client, httpx.Client], None]:
    return lambda admin, public: op(arg, admin, public)


def _created(reply: httpx.Response) -> dict[str, Any]:
    if reply.status_code not in (200, 201):
        raise RuntimeError(f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}")
    return dict(reply.json())


def _count(database_url: str, query: str, *params: Any) -> int:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def now() -> datetime:
    return datetime.now(UTC)
