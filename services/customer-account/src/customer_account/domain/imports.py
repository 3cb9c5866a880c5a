"""Customer import rows: the template's columns, and the checks each row must pass.

Plain rules, no I/O: the service layer feeds rows in file order and gets back, per row, either
what to create or why not. Several rows may share an e-mail: the first valid one creates the
customer, the others add products to it; the same e-mail with the same price id again (or
again without a price id) is a duplicate.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from customer_account.domain.customer import normalize_email
from trainyard_common.passwords.policy import check_password

TEMPLATE_HEADER = ("First Name", "Last Name", "Email", "Password", "Group ID", "Price ID", "Cost")
FIELDS = ("first_name", "last_name", "email", "password", "group_id", "price_id", "cost")
COLUMN_FIELDS = {name.lower(): field for name, field in zip(TEMPLATE_HEADER, FIELDS, strict=True)}
REQUIRED_COLUMNS = ("first name", "last name", "email")
MAX_NAME = 100
MAX_COST = Decimal("99999999.99")

EmailCheck = Callable[[str], bool]
"""Whether an address is one the events accept (the contracts' check, given by the service layer)."""


class BadHeader(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"missing columns: {', '.join(missing)}")
        self.missing = missing


def column_positions(header: list[str]) -> dict[str, int]:
    """Template column → its index in this file (any order, any case; extra columns ignored)."""
    positions = {}
    for index, name in enumerate(header):
        field = COLUMN_FIELDS.get(name.strip().lstrip("\ufeff").lower())
        if field is not None and field not in positions:
            positions[field] = index
    missing = [n for n in REQUIRED_COLUMNS if COLUMN_FIELDS[n] not in positions]
    if missing:
        raise BadHeader([TEMPLATE_HEADER[[h.lower() for h in TEMPLATE_HEADER].index(m)] for m in missing])
    return positions


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    values: dict[str, str]

    def get(self, field: str) -> str:
        return (self.values.get(field) or "").strip()


@dataclass(frozen=True, slots=True)
class CheckedRow:
    number: int
    first_name: str
    last_name: str
    email: str
    password: str | None
    group_id: uuid.UUID | None
    price_id: uuid.UUID | None
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class RowError:
    number: int
    field: str | None
    reason: str


def check_row(raw: RawRow, known_groups: set[uuid.UUID], *, valid_email: EmailCheck) -> CheckedRow | RowError:
    """Everything about one row that does not depend on the other rows or the database; the first
    failed check is the row's reason."""
    error = (
        _no_nul(raw)
        or _names(raw)
        or _email_address(raw, valid_email)
        or _password(raw)
        or _group(raw, known_groups)
        or _price(raw)
        or _cost(raw)
    )
    if error is not None:
        return error
    cost = raw.get("cost").removeprefix("$")
    return CheckedRow(
        raw.number,
        raw.get("first_name"),
        raw.get("last_name"),
        normalize_email(raw.get("email")),
        raw.values.get("password") or None,
        _uuid(raw.get("group_id")),
        _uuid(raw.get("price_id")),
        Decimal(cost) if cost else None,
    )


def _no_nul(raw: RawRow) -> RowError | None:
    if "\x00" in "".join(raw.values.values()):  # one scan in C, not a generator per row
        return RowError(raw.number, None, "contains a NUL character")
    return None


def _names(raw: RawRow) -> RowError | None:
    for field in ("first_name", "last_name"):
        value = raw.get(field)
        if not value:
            return RowError(raw.number, field, f"{_label(field)} is missing")
        if len(value) > MAX_NAME:
            return RowError(raw.number, field, f"{_label(field)} is longer than {MAX_NAME} characters")
    return None


def _email_address(raw: RawRow, valid_email: EmailCheck) -> RowError | None:
    email = raw.get("email")
    if not email:
        return RowError(raw.number, "email", "Email is missing")
    if not valid_email(email):
        return RowError(raw.number, "email", f"'{email[:100]}' is not a valid e-mail address")
    return None


def _password(raw: RawRow) -> RowError | None:
    password = raw.values.get("password") or None
    if password is not None and (reason := check_password(password)) is not None:
        return RowError(raw.number, "password", f"Password {reason}")  # the one password policy
    return None


def _group(raw: RawRow, known_groups: set[uuid.UUID]) -> RowError | None:
    text = raw.get("group_id")
    group_id = _uuid(text)
    if text and group_id is None:
        return RowError(raw.number, "group_id", f"Group ID '{text[:60]}' is not a valid id")
    if group_id is not None and group_id not in known_groups:
        return RowError(raw.number, "group_id", f"unknown group {group_id}")
    return None


def _price(raw: RawRow) -> RowError | None:
    """Only the form: which prices exist is commerce-access's to say (it dead-letters or reports)."""
    text = raw.get("price_id")
    if text and _uuid(text) is None:
        return RowError(raw.number, "price_id", f"unknown price id '{text[:60]}' (not a valid id)")
    return None


def _cost(raw: RawRow) -> RowError | None:
    text = raw.get("cost").removeprefix("$")
    if not text:
        return None
    if not raw.get("price_id"):
        return RowError(raw.number, "cost", "Cost given without a Price ID")
    try:
        cost = Decimal(text)
    except InvalidOperation:
        cost = Decimal("NaN")
    if not cost.is_finite():
        return RowError(raw.number, "cost", f"Cost '{text[:30]}' is not a number")
    if cost < 0:
        return RowError(raw.number, "cost", "negative cost")
    if cost > MAX_COST or cost != cost.quantize(Decimal("0.01")):
        return RowError(raw.number, "cost", "Cost must have at most two decimals and be below 100,000,000")
    return None


def _uuid(text: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _label(field: str) -> str:
    return TEMPLATE_HEADER[FIELDS.index(field)]


class DuplicateRows:
    """The same e-mail with the same price id (or again without one) twice in a file."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, uuid.UUID | None]] = set()

    def check(self, row: CheckedRow) -> RowError | None:
        key = (row.email, row.price_id)
        if key in self._seen:
            what = f"price id {row.price_id}" if row.price_id else "no price id"
            return RowError(row.number, "email", f"duplicate in file: {row.email} with {what} appears earlier")
        self._seen.add(key)
        return None


ORDER_REFUSALS = {
    "unknown_price": "unknown Price ID {price}",
    "customer_deleted": "the customer was deleted; no order for Price ID {price}",
}


@dataclass(frozen=True, slots=True)
class RowOrder:
    """What commerce-access did with a row's Price ID (ImportRowOrderSettled)."""

    row_number: int
    outcome: str  # "ordered" | "refused"
    order_id: uuid.UUID | None
    reason: str | None
    settled_at: datetime
    price_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class StoredImport:
    """An import's result as it was answered, and the settlement of its rows with a Price ID since."""

    import_id: uuid.UUID
    imported_at: datetime
    created: int
    imported_rows: int
    errors: list[RowError]
    orders_expected: int
    orders: list[RowOrder] = dataclasses.field(default_factory=list)

    @property
    def ordered(self) -> int:
        return sum(1 for o in self.orders if o.outcome == "ordered")

    @property
    def refused(self) -> int:
        return sum(1 for o in self.orders if o.outcome != "ordered")

    @property
    def pending(self) -> int:
        return max(self.orders_expected - len(self.orders), 0)

    def all_errors(self) -> list[RowError]:
        """The rows refused when imported, and those whose order commerce-access refused since
        (the row's customer stays imported: said in the reason)."""
        refused = [
            RowError(o.row_number, "price_id", f"{_refusal(o)}; the customer was imported without this product")
            for o in self.orders
            if o.outcome != "ordered"
        ]
        return sorted([*self.errors, *refused], key=lambda e: e.number)


def _refusal(order: RowOrder) -> str:
    template = ORDER_REFUSALS.get(order.reason or "", "order refused: {reason}")
    return template.format(price=order.price_id, reason=order.reason)
