"""training-progress steps the end-to-end tests take through the gateway."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from trainyard_common.api.training import ProgressList

ADMIN = "/api/v1/admin"


def create_item(admin: httpx.Client, path: str, **body: Any) -> dict[str, Any]:
    body.setdefault("name", f"{path.strip('/').title()} {uuid.uuid4().hex[:8]}")
    response = admin.post(f"{ADMIN}{path}", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def progress_entries(admin: httpx.Client, item_type: str, **params: Any) -> list[dict[str, Any]]:
    response = admin.get(f"{ADMIN}/training-progress", params={"type": item_type, "limit": 500, **params})
    assert response.status_code == 200, response.text
    ProgressList.model_validate_json(response.content)  # written straight out (PlainJSON): still the documented shape
    return list(response.json()["items"])


def entry_of(admin: httpx.Client, item_type: str, customer_id: str, item_id: str) -> dict[str, Any] | None:
    found = [
        e for e in progress_entries(admin, item_type) if e["customer_id"] == customer_id and e["item_id"] == item_id
    ]
    return found[0] if found else None


def upload_import(admin: httpx.Client, text: str, name: str = "progress.csv") -> httpx.Response:
    return admin.post(f"{ADMIN}/progress-imports", files={"file": (name, text.encode(), "text/csv")}, timeout=120)


def wait_import(admin: httpx.Client, import_id: str, statuses: set[str], timeout: float = 60) -> dict[str, Any]:
    """Poll the import until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        state = admin.get(f"{ADMIN}/progress-imports/{import_id}").json()
        if state["status"] in statuses or time.monotonic() > deadline:
            return dict(state)
        time.sleep(0.2)


def wait_known(admin: httpx.Client, customer_id: str, item_id: str, timeout: float = 30) -> None:
    """Wait until training-progress knows the customer (manual completion needs them)."""
    deadline = time.monotonic() + timeout
    body = {"training_type": "course", "item_id": item_id, "customer_id": customer_id, "completed_on": "2025-01-01"}
    while time.monotonic() < deadline:
        response = admin.post(f"{ADMIN}/training-progress", json=body)
        if response.status_code == 201:
            return
        assert response.status_code == 404, response.text
        time.sleep(0.2)
    raise AssertionError(f"training-progress never heard of customer {customer_id}")
