"""CSV cells a spreadsheet opens as text, never as a formula (OWASP's CSV injection advice).

Learner-controlled text (a first name ``=HYPERLINK("http://x","y")``) would otherwise run as a
formula in the admin's spreadsheet. Every CSV the project writes goes through ``safe_cell``: a
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``.

A plain number is kept as it is (``-5``, ``-12.50``, ``+3``): a number cannot be a formula, and
a negative amount in a numeric column must stay a number for whoever sums the column. Anything
else starting with one of those characters, even ``-2+3`` or ``-1e3``, is prefixed.

``safe_cell`` is idempotent (``'`` is not a trigger), so a CSV can be made safe twice: the
gateway re-checks the GDPR zip's files that the services already made safe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol

from trainyard_common.http.export_parts import ExportFile

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


class SupportsWrite(Protocol):
    def write(self, text: str, /) -> object: ...


def safe_cell(value: object) -> str:
    """``value`` as the text of a CSV cell that no spreadsheet runs: None is an empty cell."""
    if value is None:
        return ""
    # a Decimal never as an exponent ("1E+2"), which a spreadsheet would read differently
    text = format(value, "f") if isinstance(value, Decimal) else value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def safe_row(row: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in row]


def csv_text(rows: Iterable[Sequence[object]], *, lineterminator: str = "\n") -> str:
    """The rows (header first, if any) as CSV text, every cell made safe."""
    buffer = io.StringIO()
    write_rows(buffer, rows, lineterminator=lineterminator)
    return buffer.getvalue()


def write_rows(sink: SupportsWrite, rows: Iterable[Sequence[object]], *, lineterminator: str = "\n") -> None:
    """Write ``rows`` to ``sink`` as CSV, every cell made safe (``csv.writer`` with safe cells)."""
    csv.writer(sink, lineterminator=lineterminator).writerows(safe_row(row) for row in rows)


def resafe_csv(text: str, *, lineterminator: str = "\n") -> str:
    """A CSV written elsewhere, read and written again with safe cells (unchanged if already safe)."""
    return csv_text(csv.reader(io.StringIO(text, newline="")), lineterminator=lineterminator)


def export_file(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> ExportFile:
    """A GDPR export part's CSV file: ``header`` then ``rows``, every cell made safe."""
    return ExportFile(name=name, content=csv_text([header, *rows]))
