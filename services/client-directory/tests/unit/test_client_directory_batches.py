"""What a batch of events needs without a database: the client index and folded progress facts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.domain.matching import ClientIndex, ClientMatch, MatchKeys
from client_directory.domain.reporting import ProgressFact, fold_progress

ACME = ClientMatch(uuid.uuid4(), "Acme")
ACME_MAIL = ClientMatch(uuid.uuid4(), "Acme Mail")
GUILD = ClientMatch(uuid.uuid4(), "Guild")
INDEX = ClientIndex({"acme.com": ACME, "mail.acme.com": ACME_MAIL}, {"the guild": GUILD})


def learner(email: str | None, organization: str | None = None) -> Learner:
    return Learner(uuid.uuid4(), email, organization)


def test_the_most_specific_domain_wins_then_the_alias() -> None:
    assert INDEX.match(learner("ada@x.mail.acme.com")) == (ACME_MAIL, AssignmentReason.DOMAIN)
    assert INDEX.match(learner("ada@acme.com", "The  Guild")) == (ACME, AssignmentReason.DOMAIN)
    assert INDEX.match(learner("ada@elsewhere.org", " the GUILD ")) == (GUILD, AssignmentReason.ALIAS)
    assert INDEX.match(learner("acme.com@evil.com")) is None
    assert INDEX.match(learner(None)) is None


def test_the_keys_to_look_up_cover_every_candidate_domain_and_alias() -> None:
    keys = MatchKeys.of([learner("ada@mail.acme.com", "The Guild"), learner("bob@b.org"), learner(None)])
    assert keys.domains == {"mail.acme.com", "acme.com", "b.org"}
    assert keys.alias_keys == {"the guild"}


def test_progress_facts_of_one_entry_fold_as_if_recorded_one_after_the_other() -> None:
    entry, other, customer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    started = ProgressFact(entry, customer, "module", False, t0)
    completed = ProgressFact(entry, customer, "module", True, t0 + timedelta(days=1), t0 + timedelta(days=1))
    touched_later = ProgressFact(entry, customer, "module", False, t0 + timedelta(days=2))
    unrelated = ProgressFact(other, customer, "course", False, t0)

    folded = {f.progress_id: f for f in fold_progress([started, completed, unrelated, touched_later])}

    latest = t0 + timedelta(days=2)
    assert folded[entry] == ProgressFact(entry, customer, "module", True, latest, completed.completed_at)
    assert folded[other] == unrelated
