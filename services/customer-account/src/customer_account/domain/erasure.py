"""The certificate of erasure: a request (erased or deleted) and each service's receipt."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Receipt:
    service: str
    kind: str
    completed_at: datetime
    request_event_id: uuid.UUID
    removed: tuple[str, ...] = ()
    """What the service removed (``table``) or anonymised (``table.column``)."""


@dataclass(frozen=True, slots=True)
class ServiceConfirmation:
    service: str
    confirmed: bool
    confirmed_at: datetime | None
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ErasureCertificate:
    customer_id: uuid.UUID
    kind: str
    requested_at: datetime
    services: list[ServiceConfirmation]
    key_destroyed_at: datetime | None = None
    """When the customer's data key was deleted: their sealed personal data became unreadable."""

    @property
    def complete(self) -> bool:
        return all(s.confirmed for s in self.services)


def certificate_of(
    customer_id: uuid.UUID,
    kind: str,
    requested_at: datetime,
    receipts: Iterable[Receipt],
    expected: Sequence[str],
    *,
    key_destroyed_at: datetime | None = None,
) -> ErasureCertificate:
    """The expected services first, in order, then any other that answered; a receipt for the other
    kind of request (an erasure's, for a later deletion) does not count."""
    of_kind = {r.service: r for r in receipts if r.kind == kind}
    services = [
        ServiceConfirmation(s, True, of_kind[s].completed_at, of_kind[s].removed)
        if s in of_kind
        else ServiceConfirmation(s, False, None)
        for s in [*expected, *sorted(set(of_kind) - set(expected))]
    ]
    return ErasureCertificate(customer_id, kind, requested_at, services, key_destroyed_at)
