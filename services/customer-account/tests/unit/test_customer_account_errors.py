"""The use cases' errors answer HTTP exactly as the service always did (through the common
handlers), and the certificate of erasure counts only the receipts for its kind of request."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from customer_account.domain.erasure import Receipt, certificate_of
from customer_account.domain.errors import (
    CustomerNotFound,
    EmailAlreadyRegistered,
    GroupNameTaken,
    GroupNotFound,
    NotAllowed,
    WrongCurrentPassword,
)
from trainyard_common.domain_errors import DomainError
from trainyard_common.http.errors import domain_error_response

GROUP = uuid.UUID("00000000-0000-0000-0000-000000000001")
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _error(code: str, message: str, details: list[tuple[str, str]] | None = None) -> dict[str, object]:
    return {
        "error": {"code": code, "message": message, "details": [{"field": f, "reason": r} for f, r in details or []]}
    }


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (CustomerNotFound(uuid.uuid4()), 404, _error("not_found", "No such customer.")),
        (
            GroupNotFound(GROUP),
            422,
            _error("unknown_group", "The request is not valid.", [("group_ids", f"no group {GROUP}")]),
        ),
        (
            EmailAlreadyRegistered("a@x.com"),
            409,
            _error("email_taken", "This e-mail address is already registered.", [("email", "already registered")]),
        ),
        (
            GroupNameTaken("Sales"),
            409,
            _error("group_name_taken", "A group with this name exists.", [("name", "taken")]),
        ),
        (
            NotAllowed("customer_has_orders", "The customer has orders."),
            409,
            _error("customer_has_orders", "The customer has orders."),
        ),
        (
            WrongCurrentPassword(),
            422,
            _error("wrong_password", "The current password is wrong.", [("current_password", "does not match")]),
        ),
    ],
)
def test_each_use_case_error_keeps_its_status_and_body(
    error: DomainError, status: int, body: dict[str, object]
) -> None:
    response = domain_error_response(error)
    assert (response.status_code, json.loads(response.body)) == (status, body)


def test_a_certificate_counts_only_receipts_for_its_kind_and_lists_the_expected_services_first() -> None:
    customer = uuid.uuid4()
    receipts = [
        Receipt("training-progress", "erased", AT, uuid.uuid4()),
        Receipt("commerce-access", "deleted", AT, uuid.uuid4()),  # an earlier request's answer
        Receipt("client-directory", "erased", AT, uuid.uuid4()),
    ]
    found = certificate_of(customer, "erased", AT, receipts, ["commerce-access", "client-directory"])
    assert [(s.service, s.confirmed) for s in found.services] == [
        ("commerce-access", False),
        ("client-directory", True),
        ("training-progress", True),
    ]
    assert not found.complete
    assert certificate_of(customer, "erased", AT, receipts, ["client-directory"]).complete
