"""The progress import file: its header, and what can be told about a row on its own.

Rows are numbered as the file counts them (the header is row 1). What needs the database
(unknown e-mail, no item of that name, a duplicate of an earlier row, already completed) is
decided afterwards for all rows at once; here: missing values, the training type, the date.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from training_progress.domain.catalogue import name_key
from trainyard_common.vocabulary import TrainingItemType

HEADER = ("Email", "Training Type", "Name", "Date (yyyy-mm-dd)")
TEMPLATE_ROWS = (
    ("ada@example.com", "module", "Survey Design 101", "2025-03-24"),
    ("grace@example.com", "certification", "Certified Survey Designer", "2025-03-25"),
)
MAX_ROWS = 100_000
DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")
# Header names as matched: case, spaces and the date column's format hint do not matter.
_COLUMNS = {"email": 0, "training type": 1, "name": 2, "date": 3, "date (yyyy-mm-dd)": 3}


class Outcome(StrEnum):
    NEW = "new"
    ALREADY_COMPLETED = "already_completed"
    ERROR = "error"


class HeaderError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ParsedRow:
    row_number: int
    cells: tuple[str, str, str, str]
    """Email, training type, name and date exactly as written (what the downloads give back)."""
    email_key: str
    item_type: TrainingItemType | None
    name_key: str
    completed_on: date | None
    reason: str | None
    """Why the row is an error, when that is known from the row alone."""


@dataclass(frozen=True, slots=True)
class ImportState:
    """An import as the admin polls it: its status (analysing, analysed, committing, committed,
    failed), how far the analysis got and what it counted."""

    id: uuid.UUID
    status: str
    file_name: str | None
    created_at: datetime
    rows_read: int
    new: int
    already_completed: int
    errors: int
    imported: int | None
    committed_at: datetime | None
    failure: str | None


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A sorted row as stored: ``reason`` when the row alone showed the error, else ``problem``
    (unknown_email, no_item, duplicate) found against the database."""

    row_number: int
    cells: tuple[str, str, str, str]
    reason: str | None
    problem: str | None
    duplicate_of: int | None
    item_type: str | None


def column_positions(header: Sequence[str]) -> tuple[int, int, int, int]:
    """Where Email, Training Type, Name and Date are; other columns (an old reason column) are ignored."""
    found: dict[int, int] = {}
    for position, title in enumerate(header):
        column = _COLUMNS.get(" ".join(title.replace("\ufeff", "").split()).casefold())
        if column is not None and column not in found:
            found[column] = position
    missing = [HEADER[c] for c in range(4) if c not in found]
    if missing:
        raise HeaderError(f"The header lacks: {', '.join(missing)} (expected {', '.join(HEADER)}).")
    return found[0], found[1], found[2], found[3]


def is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def parse_row(row_number: int, cells: Sequence[str], positions: tuple[int, int, int, int], today: date) -> ParsedRow:
    email, kind, name, day = (cells[p].strip() if p < len(cells) else "" for p in positions)
    item_type = _training_type(kind)
    completed_on, date_problem = _date(day, today)
    reason = (
        ("The email is missing." if not email else None)
        or (f"Unknown training type {kind!r} (module, course or certification)." if item_type is None else None)
        or ("The name is missing." if not name else None)
        or date_problem
    )
    return ParsedRow(
        row_number, (email, kind, name, day), email.lower(), item_type, name_key(name), completed_on, reason
    )


def _training_type(text: str) -> TrainingItemType | None:
    try:
        return TrainingItemType(text.strip().lower())
    except ValueError:
        return None


def _date(text: str, today: date) -> tuple[date | None, str | None]:
    if not DATE_FORMAT.fullmatch(text):
        return None, f"Bad date format {text!r} (yyyy-mm-dd)."
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"Bad date {text!r}: no such day."
    if day > today:
        return None, f"The date {text} is in the future."
    return day, None


def unknown_email_reason(email: str) -> str:
    return f"Unknown email {email!r}: no customer has it."


def no_item_reason(item_type: str, name: str) -> str:
    return f"No {item_type} named {name!r}."


def duplicate_reason(first_row: int) -> str:
    return f"Duplicate of row {first_row} (same user and item)."


def row_error(row: StoredRow) -> str:
    """What the error download says of a row: its number and why it cannot be imported."""
    if row.reason:
        reason = row.reason
    elif row.problem == "unknown_email":
        reason = unknown_email_reason(row.cells[0])
    elif row.problem == "no_item":
        reason = no_item_reason(row.item_type or "item", row.cells[2])
    else:
        reason = duplicate_reason(row.duplicate_of or 0)
    return f"Row {row.row_number}: {reason}"
