"""Issue 15 item 11: the GDPR zip's CSVs never hand a spreadsheet a formula, whatever a service sent."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass

from gateway.domain.replies import ServiceReply
from gateway.service_layer.gdpr_export import collect_export


@dataclass
class _Service:
    name: str
    files: list[dict[str, str]]

    async def call(self, method: str, path: str, *, timeout_seconds: float | None = None) -> ServiceReply:
        body = {"id": "x"} if not path.endswith("/export") else {"files": self.files}
        return ServiceReply(200, json.dumps(body).encode(), "application/json")


@dataclass
class _Services:
    customer_account: _Service
    client_directory: _Service
    commerce_access: _Service
    training_progress: _Service

    def all(self) -> tuple[_Service, ...]:
        return (self.customer_account, self.client_directory, self.commerce_access, self.training_progress)


async def test_a_formula_in_a_services_csv_reaches_the_zip_as_text() -> None:
    unsafe = 'first_name,balance,note\n"=HYPERLINK(""http://x"",""y"")",-5,"@cmd\nline two"\n'
    services = _Services(
        _Service("customer-account", [{"name": "profile.csv", "content": unsafe}]),
        *(_Service(name, []) for name in ("client-directory", "commerce-access", "training-progress")),
    )
    [profile] = await collect_export(services, uuid.uuid4(), timeout_seconds=1)
    [header, row] = list(csv.reader(io.StringIO(profile.content)))
    assert header == ["first_name", "balance", "note"]
    assert row == ['\'=HYPERLINK("http://x","y")', "-5", "'@cmd\nline two"]  # a plain number stays a number


async def test_a_safe_csv_passes_unchanged() -> None:
    safe = "first_name,total\n'=x,-5.00\nAda,12\n"
    services = _Services(
        _Service("customer-account", [{"name": "profile.csv", "content": safe}]),
        *(_Service(name, []) for name in ("client-directory", "commerce-access", "training-progress")),
    )
    [profile] = await collect_export(services, uuid.uuid4(), timeout_seconds=1)
    assert profile.content == safe
