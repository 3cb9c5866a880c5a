"""Importing customers: rows stream in, are checked one by one, and are applied in batches.

The whole import is one transaction holding, for every valid row, everything it causes: the
customer, its groups, its activity entry, its events (UserRegistered, CustomerImported for a row
with a price id, CustomerGroupsChanged) and its welcome e-mail — so an import is applied whole or
not at all (a crash or an outage midway leaves nothing to clean up, and the file can be sent
again), and its events reach the other services only once it committed: the pipeline behind it
does not compete with the import for the machine while it runs. Rows fail with a reason and never
stop the others. The caller counts the rows before the first batch (a file over the maximum is
refused with nothing written). Rows are applied in batches of the caller's size.

Rows are checked and planned here; the batch is then written by PostgreSQL from one COPY
(``adapters/imports.py``): customers, activity entries, UserRegistered and CustomerImported, and
their version 2 (personal fields sealed with each customer's key here, in Python, and passed to that
statement as one parameter).

Passwords people chose are hashed with argon2id in a process pool; generated ones (blank
Password) are 144 random bits, stored as a salted SHA-256 (see adapters/passwords.py), and shown
to no one: with a welcome e-mail, such a customer gets a one-time set-password link instead
(``service_layer/password_setup.py``); the password is never e-mailed nor kept in clear.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from customer_account.adapters.imports import SealedRow
from customer_account.domain.actors import Actor
from customer_account.domain.customer import Customer, email_domain, new_customer, now
from customer_account.domain.emails import Email
from customer_account.domain.errors import ImportNotFound
from customer_account.domain.imports import (
    CheckedRow,
    DuplicateRows,
    RawRow,
    RowError,
    RowOrder,
    StoredImport,
    check_row,
)
from customer_account.service_layer.messages import welcome_email
from customer_account.service_layer.password_setup import SetupLinks, issue_links
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerGroupsChanged, ImportRowOrderSettled, UserRegisteredV2
from trainyard_common.contracts.email import checked_email
from trainyard_common.privacy.sealing import CustomerSeal


def is_valid_email(address: str) -> bool:
    """Exactly what the events' e-mail check accepts (so an imported row's events are never refused)."""
    try:
        checked_email(address)
    except ValueError:
        return False
    return True


class HashesMany(Protocol):
    """Hashes chosen passwords in bulk (``adapters.passwords.HashingPool``: across processes)."""

    async def hash_all(self, passwords: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class ImportOptions:
    require_password_change: bool = False
    send_welcome_email: bool = False
    email_subject: str | None = None
    additional_text: str | None = None
    currency: str = "USD"
    setup_links: SetupLinks | None = None
    """Where a welcome e-mail's set-password link points (a row without a password); None: no link."""


@dataclass
class ImportReport:
    import_id: uuid.UUID = field(default_factory=uuid.uuid4)
    created: int = 0
    imported_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    orders_expected: int = 0
    """Applied rows with a Price ID: commerce-access settles each (ImportRowOrderSettled)."""
    hashing_seconds: float = 0.0
    """Time spent hashing passwords (the benchmark reports its share)."""


@dataclass(frozen=True, slots=True)
class _Planned:
    row: CheckedRow
    customer_id: uuid.UUID
    new: Customer | None  # None: the row adds a product to a customer that exists already


class CustomerImport:
    def __init__(
        self,
        uow_factory: Callable[[], CustomerUnitOfWork],
        hashing: HashesMany,
        options: ImportOptions,
        actor: Actor,
    ) -> None:
        self._uow_factory = uow_factory
        self._hashing = hashing
        self._options = options
        self._actor = actor
        self._duplicates = DuplicateRows()
        self._known: dict[str, uuid.UUID] = {}  # e-mail -> customer, for rows after the first
        self.report = ImportReport()

    async def run(self, batches: AsyncIterator[list[RawRow]]) -> ImportReport:
        async with self._uow_factory() as uow:
            self._groups = {g.id for g in await uow.groups.all()}
            self._automations = await uow.groups.automations()
            async for batch in batches:
                await self._apply(uow, [c for raw in batch if (c := self._check(raw)) is not None])
            self.report.errors.sort(key=lambda e: e.number)
            await uow.import_results.save(stored_import(self.report, now()))
            await uow.commit()
        return self.report

    def _check(self, raw: RawRow) -> CheckedRow | None:
        checked = check_row(raw, self._groups, valid_email=is_valid_email)
        if isinstance(checked, CheckedRow):
            duplicate = self._duplicates.check(checked)
            if duplicate is None:
                return checked
            checked = duplicate
        self.report.errors.append(checked)
        return None

    async def _apply(self, uow: CustomerUnitOfWork, rows: list[CheckedRow]) -> None:
        if not rows:
            return
        at = now()
        existing = await uow.imports.existing({r.email for r in rows} - self._known.keys())
        planned = [p for r in rows if (p := self._plan(r, existing)) is not None]
        generated = await self._set_passwords(uow, [p.new for p in planned if p.new is not None], planned)
        await uow.imports.stage((p.row, p.customer_id, p.new) for p in planned)
        inserted = await uow.imports.insert_customers()
        lost = {p.customer_id for p in planned if p.new is not None and p.new.id not in inserted}
        applied = [p for p in planned if p.customer_id not in lost]
        # Each applied row's customer key, in the batch's transaction: the new customers' keys made
        # and inserted with nothing read back, the others' read (or made: customers from before keys).
        # The rows' personal fields are sealed with them for the version 2 events.
        keys = await uow.keys.create_new([p.customer_id for p in applied if p.new is not None], at)
        keys |= await uow.keys.keys_for([p.customer_id for p in applied if p.new is None], at)
        sealed = [_sealed_row(p, keys[p.customer_id]) for p in applied]
        for p in planned:
            if p.customer_id in lost:  # the e-mail was registered meanwhile, by someone else
                self.report.errors.append(RowError(p.row.number, "email", f"{p.row.email} is already registered"))
                self._known.pop(p.row.email, None)
        await self._groups_of(uow, [p for p in applied if p.new is not None], at)
        await uow.imports.record(
            lost,
            import_id=self.report.import_id,
            at=at,
            actor=self._actor,
            currency=self._options.currency,
            sealed=sealed,
        )
        await uow.emails.add(await self._welcomes(uow, applied, generated, at), at)
        self.report.created += sum(1 for p in applied if p.new is not None)
        self.report.imported_rows += len(applied)
        self.report.orders_expected += sum(1 for p in applied if p.row.price_id is not None)

    def _plan(self, row: CheckedRow, existing: dict[str, uuid.UUID]) -> _Planned | None:
        known = self._known.get(row.email) or existing.get(row.email)
        if known is not None:
            if row.price_id is None:
                self.report.errors.append(RowError(row.number, "email", f"{row.email} is already registered"))
                return None
            return _Planned(row, known, None)
        customer = new_customer(
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            password_hash="",
            organization=None,
            require_password_change=self._options.require_password_change or row.password is None,
        )
        self._known[row.email] = customer.id
        return _Planned(row, customer.id, customer)

    async def _set_passwords(
        self, uow: CustomerUnitOfWork, customers: list[Customer], planned: list[_Planned]
    ) -> set[uuid.UUID]:
        """Hashes every new customer's password; returns who got a generated one (forgotten here:
        their welcome e-mail carries a set-password link)."""
        started = time.perf_counter()
        chosen = {p.new.id: p.row.password for p in planned if p.new is not None and p.row.password is not None}
        hashes = dict(zip(chosen, await self._hashing.hash_all(list(chosen.values())), strict=True))
        generated = set()
        for customer in customers:
            if customer.id not in hashes:
                generated.add(customer.id)
                hashes[customer.id] = uow.passwords.hash_generated(uow.passwords.generate())
            customer.password_hash = hashes[customer.id]
        self.report.hashing_seconds += time.perf_counter() - started
        return generated

    async def _groups_of(self, uow: CustomerUnitOfWork, created: list[_Planned], at: datetime) -> None:
        """The row's Group ID and the e-mail-domain automations; announced with the customer."""
        memberships: list[tuple[uuid.UUID, uuid.UUID]] = []
        for p in created:
            groups = set(self._automations.get(email_domain(p.row.email), set()))
            if p.row.group_id is not None:
                groups.add(p.row.group_id)
            memberships += [(p.customer_id, g) for g in groups]
            if groups:
                uow.emit(
                    CustomerGroupsChanged(customer_id=p.customer_id, group_ids=sorted(groups, key=str), changed_at=at)
                )
        await uow.groups.add_members(memberships, at)

    async def _welcomes(
        self, uow: CustomerUnitOfWork, applied: list[_Planned], generated: set[uuid.UUID], at: datetime
    ) -> list[Email]:
        if not self._options.send_welcome_email:
            return []
        created = [p.new for p in applied if p.new is not None]
        links: dict[uuid.UUID, str] = {}
        if self._options.setup_links is not None:
            needing = [c.id for c in created if c.id in generated]
            links = await issue_links(uow, self._options.setup_links, needing, at)
        return [
            welcome_email(
                customer,
                setup_link=links.get(customer.id),
                subject=self._options.email_subject,
                additional_text=self._options.additional_text,
            )
            for customer in created
        ]


def _sealed_row(planned: _Planned, key: bytes) -> SealedRow:
    """The row's personal fields as its version 2 events carry them (the same text as ``_staged`` stages)."""
    new = planned.new
    if new is None:
        email = CustomerSeal(key, planned.customer_id).seal(planned.row.email, "email")
        return SealedRow(planned.row.number, email, None, None, None)
    return sealed_row(planned.row.number, new, key)


def sealed_row(number: int, new: Customer, key: bytes) -> SealedRow:
    """A new customer's personal fields as their ``UserRegistered.v2`` carries them: one
    ``CustomerSeal`` (one AES key schedule) for all of them."""
    personal = UserRegisteredV2.personal_fields
    sealed = CustomerSeal(key, new.id).seal_fields({field: getattr(new, field) for field in personal}, personal)
    return SealedRow(
        number, sealed["email"], sealed.get("first_name"), sealed.get("last_name"), sealed.get("organization")
    )


def stored_import(report: ImportReport, at: datetime) -> StoredImport:
    return StoredImport(
        report.import_id, at, report.created, report.imported_rows, list(report.errors), report.orders_expected
    )


async def record_row_order(uow: CustomerUnitOfWork, event: ImportRowOrderSettled) -> None:
    """Inside the handler's transaction: the row's outcome joins the import's result."""
    order = RowOrder(
        event.row_number, event.outcome.value, event.order_id, event.reason, event.settled_at, event.price_id
    )
    await uow.import_results.settle(event.import_id, event.price_id, order)


async def import_result(uow: CustomerUnitOfWork, import_id: uuid.UUID) -> StoredImport:
    async with uow:
        found = await uow.import_results.get(import_id)
    if found is None:
        raise ImportNotFound(import_id)
    return found
