"""A service's part of a customer's GDPR export: named CSV files, as the gateway zips them.

Every service answers ``GET /v1/customers/{id}/export`` with an ``ExportPart``; a file with no
rows still carries its header, so the export always shows what kind of data could exist.
``trainyard_common.csv_cells.export_file`` writes one, every cell safe for a spreadsheet.
"""

from pydantic import BaseModel, Field


class ExportFile(BaseModel):
    name: str = Field(description="File name inside the zip.", examples=["orders.csv"])
    content: str = Field(description="CSV text, header row first.")


class ExportPart(BaseModel):
    files: list[ExportFile]
