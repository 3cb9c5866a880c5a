"""client-directory's rules, through its use cases on a throwaway database: no Kafka, no HTTP.

Registrations and profile changes go in as the event handlers pass them (``record_learner``);
what the use cases announce is read from the outbox they wrote.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from client_directory.bootstrap import MIGRATIONS
from client_directory.domain.clients import ClientChanges
from client_directory.domain.errors import ConflictingInput, InvalidInput
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.domain.reporting import OrderFact, ProgressFact, ReportQuery
from client_directory.service_layer import classes, erasure, reporting
from client_directory.service_layer.clients import CreateClient, change_client, create_client
from client_directory.service_layer.mapping import LearnerSeen, ProfileChanged, record_learner
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], DirectoryUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("directory_uc"), DirectoryUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_client(uows: Uows, domains: list[str], aliases: list[str] | None = None, name: str = "Acme") -> uuid.UUID:
    async with uows() as uow:
        client = await create_client(uow, CreateClient(name, "Technology", domains, aliases or []))
    return client.id


async def registered(uows: Uows, email: str, organization: str | None = None) -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with uows() as uow:
        await record_learner(uow, LearnerSeen(customer_id, email, organization))
        await uow.commit()
    return customer_id


async def profile_changed(uows: Uows, customer_id: uuid.UUID, email: str, organization: str | None = None) -> None:
    async with uows() as uow:
        await record_learner(uow, ProfileChanged(customer_id, email, organization, remap=True))
        await uow.commit()


async def learner(uows: Uows, customer_id: uuid.UUID) -> Learner:
    async with uows() as uow:
        found = await uow.learners.get(customer_id)
    assert found is not None
    return found


async def a_class(uows: Uows, default_client_id: uuid.UUID | None = None) -> uuid.UUID:
    async with uows() as uow:
        command = classes.CreateClass("Safety 101", date(2026, 3, 1), date(2026, 3, 5), default_client_id)
        return (await classes.create_class(uow, command)).id


def mapping(found: Learner) -> tuple[uuid.UUID | None, AssignmentReason | None]:
    return found.client_id, found.reason


async def test_a_learner_maps_to_the_client_owning_their_email_domain(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@mail.acme.com")

    assert mapping(await learner(uows, customer_id)) == (acme, AssignmentReason.DOMAIN)
    [assigned] = await emitted(uows(), "LearnerAssignedToClient")
    assert (assigned["client_id"], assigned["reason"]) == (str(acme), "domain")


async def test_an_organisation_alias_maps_when_no_domain_matches(uows: Uows) -> None:
    guild = await a_client(uows, [], ["The Guild"], name="Guild")
    customer_id = await registered(uows, "ada@elsewhere.org", "  the GUILD ")

    assert mapping(await learner(uows, customer_id)) == (guild, AssignmentReason.ALIAS)


async def test_the_domain_wins_over_the_alias(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    await a_client(uows, [], ["The Guild"], name="Guild")
    customer_id = await registered(uows, "ada@acme.com", "The Guild")

    assert mapping(await learner(uows, customer_id)) == (acme, AssignmentReason.DOMAIN)


async def test_a_new_client_picks_up_the_unmapped_learners_it_matches(uows: Uows) -> None:
    customer_id = await registered(uows, "ada@acme.com")
    assert mapping(await learner(uows, customer_id)) == (None, None)

    acme = await a_client(uows, ["acme.com"])

    assert mapping(await learner(uows, customer_id)) == (acme, AssignmentReason.DOMAIN)


async def test_a_domain_of_another_active_client_is_a_conflict(uows: Uows) -> None:
    await a_client(uows, ["acme.com"])
    with pytest.raises(ConflictingInput) as refused:
        await a_client(uows, ["ACME.com"], name="Other")
    assert refused.value.field_name == "email_domains"
    assert "acme.com already belongs to client 'Acme'" in refused.value.reason


async def test_an_inactive_clients_domain_is_free_and_it_stops_matching(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    async with uows() as uow:
        await change_client(uow, acme, ClientChanges(active=False))

    customer_id = await registered(uows, "ada@acme.com")
    assert mapping(await learner(uows, customer_id)) == (None, None)
    successor = await a_client(uows, ["acme.com"], name="Acme Successor")  # no conflict: Acme is inactive
    assert mapping(await learner(uows, customer_id)) == (successor, AssignmentReason.DOMAIN)


async def test_a_learner_whose_email_changes_away_leaves_the_client(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@acme.com")

    await profile_changed(uows, customer_id, "ada@gmail.com")

    assert mapping(await learner(uows, customer_id)) == (None, None)
    [removed] = await emitted(uows(), "LearnerRemovedFromClient")
    assert (removed["client_id"], removed["reason"]) == (str(acme), "no_longer_matches")


async def test_a_learner_whose_email_changes_to_another_client_moves_to_it(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    globex = await a_client(uows, ["globex.com"], name="Globex")
    customer_id = await registered(uows, "ada@acme.com")

    await profile_changed(uows, customer_id, "ada@globex.com")

    assert mapping(await learner(uows, customer_id)) == (globex, AssignmentReason.DOMAIN)
    moved = (await emitted(uows(), "LearnerAssignedToClient"))[-1]
    assert (moved["client_id"], moved["previous_client_id"]) == (str(globex), str(acme))


async def test_enrolment_applies_the_class_default_client(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@gmail.com")
    class_id = await a_class(uows, default_client_id=acme)

    async with uows() as uow:
        result = await classes.enroll(uow, class_id, [customer_id, customer_id])
    async with uows() as uow:
        again = await classes.enroll(uow, class_id, [customer_id])

    assert (result.enrolled, result.default_client_id) == ([customer_id], acme)
    assert again.already_enrolled == [customer_id]
    assert mapping(await learner(uows, customer_id)) == (acme, AssignmentReason.CLASS)


async def test_a_class_default_must_be_an_active_client(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    async with uows() as uow:
        await change_client(uow, acme, ClientChanges(active=False))

    with pytest.raises(InvalidInput) as refused:
        await a_class(uows, default_client_id=acme)
    assert (refused.value.field_name, refused.value.reason) == ("default_client_id", "client 'Acme' is inactive")


async def test_enrolling_a_deleted_customer_is_refused_and_enrols_nobody(uows: Uows) -> None:
    known = await registered(uows, "ada@gmail.com")
    deleted = await registered(uows, "bob@gmail.com")
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())  # as the handler of CustomerDeleted sets it
        await erasure.delete_customer(uow, deleted)
        await uow.commit()
    class_id = await a_class(uows)

    with pytest.raises(InvalidInput) as refused:
        async with uows() as uow:
            await classes.enroll(uow, class_id, [known, deleted])
    assert (refused.value.field_name, refused.value.reason) == ("customer_ids", f"deleted customer(s): {deleted}")
    async with uows() as uow:
        assert await uow.classes.enrollment_count(class_id) == 0


async def test_a_manual_assignment_wins_and_sticks_through_an_email_change(uows: Uows) -> None:
    await a_client(uows, ["acme.com"])
    globex = await a_client(uows, ["globex.com"], name="Globex")
    customer_id = await registered(uows, "ada@acme.com")
    class_id = await a_class(uows)
    async with uows() as uow:
        await classes.enroll(uow, class_id, [customer_id])
    async with uows() as uow:
        await classes.assign_client_to_students(uow, class_id, [customer_id], globex)

    await profile_changed(uows, customer_id, "ada@acme.com", "Acme")
    await profile_changed(uows, customer_id, "ada@nowhere.org")

    assert mapping(await learner(uows, customer_id)) == (globex, AssignmentReason.MANUAL)


async def test_an_admins_removal_keeps_automatic_mapping_off(uows: Uows) -> None:
    await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@acme.com")
    class_id = await a_class(uows)
    async with uows() as uow:
        await classes.enroll(uow, class_id, [customer_id])
    async with uows() as uow:
        assert await classes.remove_client_from_students(uow, class_id, [customer_id]) == [customer_id]

    await profile_changed(uows, customer_id, "ada@acme.com")

    assert mapping(await learner(uows, customer_id)) == (None, AssignmentReason.MANUAL)


async def test_only_enrolled_students_get_a_client_from_the_class_page(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@gmail.com")
    class_id = await a_class(uows)

    with pytest.raises(InvalidInput) as refused:
        async with uows() as uow:
            await classes.assign_client_to_students(uow, class_id, [customer_id], acme)
    assert refused.value.reason == f"not enrolled in this class: {customer_id}"
    assert mapping(await learner(uows, customer_id)) == (None, None)


def progress(customer_id: uuid.UUID, item_type: str, *, completed: bool) -> ProgressFact:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return ProgressFact(uuid.uuid4(), customer_id, item_type, completed, at, at if completed else None)


async def report_of(uows: Uows, client_id: uuid.UUID, **query: Any) -> Any:
    async with uows() as uow:
        [report], _ = await reporting.client_report(uow, ReportQuery(client_ids=(client_id,), **query))
    return report


async def test_the_report_rolls_facts_up_to_the_learners_current_client(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    globex = await a_client(uows, ["globex.com"], name="Globex")
    ada, bob = await registered(uows, "ada@acme.com"), await registered(uows, "bob@acme.com")
    facts = [progress(ada, "module", completed=True), progress(bob, "module", completed=False)]
    paid = datetime(2026, 3, 3, tzinfo=UTC)
    async with uows() as uow:
        await reporting.record_progress(uow, facts)
        await reporting.record_orders(uow, [OrderFact(uuid.uuid4(), ada, Decimal("40.00"), "USD", paid)])
        await uow.commit()

    before = await report_of(uows, acme)
    assert (before.learners, before.orders, before.revenue) == (2, 1, {"USD": Decimal("40.00")})
    assert (before.progress["module"].completed, before.progress["module"].in_progress) == (1, 1)

    await profile_changed(uows, ada, "ada@globex.com")

    after, moved = await report_of(uows, acme), await report_of(uows, globex)
    assert (after.learners, after.orders, after.progress["module"].completed) == (1, 0, 0)
    assert (moved.learners, moved.orders, moved.progress["module"].completed) == (1, 1, 1)


async def test_the_report_counts_only_facts_within_the_dates(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    ada = await registered(uows, "ada@acme.com")
    async with uows() as uow:
        await reporting.record_progress(uow, [progress(ada, "course", completed=True)])  # on 2 March
        await uow.commit()

    inside = await report_of(uows, acme, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    outside = await report_of(uows, acme, date_from=date(2026, 3, 3))
    assert (inside.progress["course"].completed, outside.progress["course"].completed) == (1, 0)


async def test_deleted_progress_is_no_longer_counted_and_stays_out(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    ada = await registered(uows, "ada@acme.com")
    fact = progress(ada, "certification", completed=True)
    async with uows() as uow:
        await reporting.record_progress(uow, [fact])
        await uow.commit()
    async with uows() as uow:
        await reporting.delete_progress(uow, [(fact, datetime.now(UTC))])
        await reporting.record_progress(uow, [fact])  # a late redelivery does not revive it
        await uow.commit()

    assert (await report_of(uows, acme)).progress["certification"].completed == 0


async def test_erasure_drops_the_personal_data_keeps_the_mapping_and_sends_a_receipt(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@acme.com", "Acme")
    request = str(uuid.uuid4())
    async with uows() as uow:
        uow.event_id = request  # as the handler of CustomerErased sets it
        await erasure.erase_customer(uow, customer_id)
        await uow.commit()

    await profile_changed(uows, customer_id, "ada@acme.com", "Acme")  # late: the data stays gone

    erased = await learner(uows, customer_id)
    assert (erased.email, erased.organization, erased.client_id) == (None, None, acme)
    [receipt] = await emitted(uows(), "CustomerErasureCompleted")
    assert (receipt["service"], receipt["request_kind"], receipt["request_event_id"]) == (
        "client-directory",
        "erased",
        request,
    )


async def test_deletion_removes_the_learner_and_its_figures_for_good(uows: Uows) -> None:
    acme = await a_client(uows, ["acme.com"])
    customer_id = await registered(uows, "ada@acme.com")
    async with uows() as uow:
        await reporting.record_progress(uow, [progress(customer_id, "module", completed=True)])
        uow.event_id = str(uuid.uuid4())  # as the handler of CustomerDeleted sets it
        await erasure.delete_customer(uow, customer_id)
        await uow.commit()

    await registered_again(uows, customer_id, "ada@acme.com")

    async with uows() as uow:
        assert await uow.learners.get(customer_id) is None
    report = await report_of(uows, acme)
    assert (report.learners, report.progress["module"].completed) == (0, 0)
    [removed] = await emitted(uows(), "LearnerRemovedFromClient")
    assert removed["reason"] == "customer_erased"
    [receipt] = await emitted(uows(), "CustomerErasureCompleted")
    assert receipt["request_kind"] == "deleted"


async def registered_again(uows: Uows, customer_id: uuid.UUID, email: str) -> None:
    """A registration redelivered after the deletion."""
    async with uows() as uow:
        await record_learner(uow, LearnerSeen(customer_id, email, None))
        await uow.commit()


async def test_a_client_reads_back_with_its_domains_and_aliases_sorted_and_none_as_empty(uows: Uows) -> None:
    """One statement reads a client with its domains and aliases: sorted arrays, [] for none."""
    acme = await a_client(uows, ["zeta.example", "alpha.example"], ["Zed Corp", "Acme Inc"])
    bare = await a_client(uows, [], name="Bare")
    async with uows() as uow:
        found = await uow.clients.get(acme)
        empty = await uow.clients.get(bare)
        page, total = await uow.clients.search(search=None, industry=None, active=None, limit=50, offset=0)
    assert found is not None
    assert empty is not None
    assert (found.email_domains, found.aliases) == (["alpha.example", "zeta.example"], ["Acme Inc", "Zed Corp"])
    assert (empty.email_domains, empty.aliases) == ([], [])
    assert [(c.name, c.email_domains, c.aliases) for c in page] == [
        ("Acme", ["alpha.example", "zeta.example"], ["Acme Inc", "Zed Corp"]),
        ("Bare", [], []),
    ]
    assert total == 2
