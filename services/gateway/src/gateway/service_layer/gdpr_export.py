"""The GDPR export: every service's part for one customer, streamed out as one zip.

Every CSV cell that a spreadsheet would run as a formula is written as text (``csv_cells``).

All parts are fetched before the first byte is sent: an export that silently lacked one
service's data would mislead, so a service that cannot answer makes the whole export a 503.
"""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from gateway.domain.replies import ServiceUnavailable
from gateway.service_layer.ports import Service, ServiceSet
from trainyard_common.csv_cells import resafe_csv
from trainyard_common.domain_errors import NotFoundError


@dataclass(frozen=True, slots=True)
class ExportedFile:
    name: str
    content: str


class ExportCustomerNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such customer.")


async def collect_export(services: ServiceSet, customer_id: uuid.UUID, *, timeout_seconds: float) -> list[ExportedFile]:
    exists = await services.customer_account.call("GET", f"/v1/customers/{customer_id}")
    if exists.status_code == 404:
        raise ExportCustomerNotFound()
    parts = await asyncio.gather(*(_part(client, customer_id, timeout_seconds) for client in services.all()))
    return _unique_names([file for part in parts for file in part])


async def _part(client: Service, customer_id: uuid.UUID, timeout_seconds: float) -> list[tuple[str, ExportedFile]]:
    reply = await client.call("GET", f"/v1/customers/{customer_id}/export", timeout_seconds=timeout_seconds)
    if reply.status_code != 200:
        raise ServiceUnavailable(client.name, f"export part answered {reply.status_code}")
    return [(client.name, _safe(ExportedFile(f["name"], f["content"]))) for f in reply.json()["files"]]


def _safe(file: ExportedFile) -> ExportedFile:
    """Cells a spreadsheet would run as formulas made text again, whatever the service sent (a
    service already writes safe cells; this covers one that does not, e.g. mid-upgrade)."""
    return ExportedFile(file.name, resafe_csv(file.content)) if file.name.endswith(".csv") else file


def _unique_names(files: list[tuple[str, ExportedFile]]) -> list[ExportedFile]:
    """Services name their files distinctly; should two collide, the service name tells them apart."""
    seen: set[str] = set()
    unique: list[ExportedFile] = []
    for service, file in files:
        name = file.name if file.name not in seen else f"{service}-{file.name}"
        seen.add(name)
        unique.append(ExportedFile(name, file.content))
    return unique


class _Chunks(io.RawIOBase):
    """A write-only, unseekable sink: zipfile then writes data descriptors and never seeks back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def zip_stream(files: list[ExportedFile]) -> Iterator[bytes]:
    """The zip, yielded file by file as it is compressed."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            with archive.open(file.name, mode="w") as entry:
                entry.write(file.content.encode())
            yield sink.drain()
    yield sink.drain()
