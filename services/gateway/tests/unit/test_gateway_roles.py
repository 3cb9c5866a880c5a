"""Roles, usernames and audit outcomes."""

import pytest

from gateway.domain.admins import InvalidAdmin, Role, valid_username
from gateway.domain.audit import Outcome, outcome_of


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
def test_an_admin_may_do_anything(method: str) -> None:
    assert Role.ADMIN.may(method)


@pytest.mark.parametrize(("method", "allowed"), [("GET", True), ("get", True), ("HEAD", True), ("OPTIONS", True)])
def test_a_viewer_may_read(method: str, allowed: bool) -> None:
    assert Role.VIEWER.may(method) is allowed


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_a_viewer_may_not_write(method: str) -> None:
    assert not Role.VIEWER.may(method)


def test_usernames_are_normalised() -> None:
    assert valid_username("  Ada.Lovelace@Example.org ") == "ada.lovelace@example.org"


@pytest.mark.parametrize("username", ["", "a", "has space", "-leading-dash", "x" * 65, "émile"])
def test_bad_usernames_are_refused(username: str) -> None:
    with pytest.raises(InvalidAdmin) as refused:
        valid_username(username)
    assert refused.value.field_name == "username"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCESS),
        (201, Outcome.SUCCESS),
        (204, Outcome.SUCCESS),
        (401, Outcome.DENIED),
        (403, Outcome.DENIED),
        (400, Outcome.REJECTED),
        (404, Outcome.REJECTED),
        (409, Outcome.REJECTED),
        (422, Outcome.REJECTED),
        (500, Outcome.FAILED),
        (501, Outcome.FAILED),
        (503, Outcome.FAILED),
    ],
)
def test_audit_outcomes_follow_the_status(status: int, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome
