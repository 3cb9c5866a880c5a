"""A service's part of a customer's GDPR export: named CSV files, as the gateway zips them.

Every service answers ``GET /v1/customers/{id}/export`` with an ``ExportPart``; a file with no
rows still carries its header, so the export always shows what kind of data could exist.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field


class ExportFile(BaseModel):
    name: str = Field(description="File name inside the zip.", examples=["orders.csv"])
    content: str = Field(description="CSV text, header row first.")


class ExportPart(BaseModel):
    files: list[ExportFile]


def csv_file(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> ExportFile:
    """CSV text with ``header``; None becomes an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([("" if value is None else value) for value in row] for row in rows)
    return ExportFile(name=name, content=buffer.getvalue())
