"""Erasing a customer through the gateway, as an admin does, and waiting for the certificate."""

from __future__ import annotations

from typing import Any

import httpx

from support.customers import eventually

ADMIN = "/api/v1/admin"


def complete_certificate(admin: httpx.Client, customer_id: str) -> dict[str, Any] | None:
    """The certificate of erasure once every service has sent its receipt, else None."""
    found = admin.get(f"{ADMIN}/customers/{customer_id}/erasure").json()
    return dict(found) if found.get("complete") else None


def erase(admin: httpx.Client, customer_id: str, timeout: float = 90) -> dict[str, Any]:
    """Make the customer inactive, erase them, and return the complete certificate."""
    inactive = admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"})
    assert inactive.status_code in (200, 204), inactive.text
    erased = admin.post(f"{ADMIN}/customers/{customer_id}/erasure")
    assert erased.status_code == 202, erased.text
    certificate = eventually(lambda: complete_certificate(admin, customer_id), timeout=timeout)
    assert certificate, admin.get(f"{ADMIN}/customers/{customer_id}/erasure").text
    return dict(certificate)
