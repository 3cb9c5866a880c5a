"""The mapping rules and client/learner behaviour, without any infrastructure."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from client_directory.domain.classes import ClassChanges, TrainingClass, change_class
from client_directory.domain.clients import (
    ClientChanges,
    InvalidClient,
    email_domain,
    email_domain_candidates,
    new_client,
    normalize_alias,
    normalize_domain,
)
from client_directory.domain.errors import InvalidInput
from client_directory.domain.learners import AssignmentReason, Learner


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("ada@acme.com", ["acme.com"]),
        ("ada@Mail.ACME.com", ["mail.acme.com", "acme.com"]),
        ("acme.com@evil.com", ["evil.com"]),
        ('"x@acme.com"@evil.com', ["evil.com"]),
        ("user@acme.com.evil.com", ["acme.com.evil.com", "com.evil.com", "evil.com"]),
        ("no-at-sign.acme.com", []),
        ("@acme.com", []),
        ("ada@acme", []),
        ("ada@acme..com", []),
    ],
)
def test_the_domain_is_after_the_last_at_and_matched_label_wise(email: str, expected: list[str]) -> None:
    assert email_domain_candidates(email) == expected


def test_email_domain() -> None:
    assert email_domain("a@b@Acme.com.") == "acme.com"
    assert email_domain("acme.com") is None


def test_domains_are_normalised_and_checked() -> None:
    assert normalize_domain(" @Explorance.COM. ") == "explorance.com"
    for bad in ("explorance", "exp lorance.com", "%.com", "a_b.com", ""):
        with pytest.raises(InvalidClient):
            normalize_domain(bad)


def test_aliases_match_case_and_space_insensitively() -> None:
    assert normalize_alias("  Explorance   INC ") == "explorance inc"
    client = new_client(
        name=" Acme  Corp ", industry="Technology", email_domains=["@a.com", "A.com"], aliases=["X Y", "x  y"]
    )
    assert (client.name, client.email_domains, client.aliases) == ("Acme Corp", ["a.com"], ["X Y"])


def test_changing_a_client_reports_what_it_gained() -> None:
    client = new_client(name="Acme", industry="Technology", email_domains=["a.com"], aliases=["Acme Inc"])
    client.active = False
    gained = client.change(ClientChanges(email_domains=["a.com", "b.com"], aliases=["ACME inc", "New"], active=True))
    assert (gained.email_domains, gained.aliases, gained.active) == (["b.com"], ["New"], True)
    with pytest.raises(InvalidClient):
        client.change(ClientChanges(industry="Nope"))


def test_manual_class_and_removed_learners_are_not_mapped_automatically() -> None:
    now = datetime.now(UTC)
    learner = Learner(uuid.uuid4(), "a@b.com", None)
    assert learner.may_be_mapped_automatically()
    learner.assign(uuid.uuid4(), AssignmentReason.DOMAIN, now)
    assert learner.may_be_mapped_automatically()
    for reason in (AssignmentReason.MANUAL, AssignmentReason.CLASS):
        learner.assign(uuid.uuid4(), reason, now)
        assert not learner.may_be_mapped_automatically()
    learner.unassign(by_admin=True)
    assert learner.client_id is None
    assert not learner.may_be_mapped_automatically()


def test_erasure_keeps_the_mapping_only() -> None:
    client_id = uuid.uuid4()
    learner = Learner(uuid.uuid4(), "a@b.com", "Org", client_id, AssignmentReason.DOMAIN)
    learner.erase(datetime.now(UTC))
    assert (learner.email, learner.organization, learner.client_id) == (None, None, client_id)
    assert not learner.may_be_mapped_automatically()


def test_class_rules() -> None:
    with pytest.raises(InvalidInput):
        TrainingClass("x", date(2026, 2, 2), date(2026, 2, 1)).check()
    with pytest.raises(InvalidInput):
        TrainingClass("  ", date(2026, 2, 2), date(2026, 2, 3)).check()
    training_class = TrainingClass("x", date(2026, 2, 2), date(2026, 2, 3), uuid.uuid4()).check()
    change_class(training_class, ClassChanges(name="y"))
    assert training_class.default_client_id is not None  # not part of the change
    change_class(training_class, ClassChanges(set_default=True, default_client_id=None))
    assert training_class.default_client_id is None
