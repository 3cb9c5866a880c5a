"""Mapping learners to clients automatically, by e-mail domain or organisation alias.

Registrations and profile changes arrive in batches: ``LearnerBatch`` loads everything a batch
needs in a few queries (tombstones, the learners, locked, the enrolments made before a new
learner arrived, and the clients their domains and aliases could match), the events are applied
in order in memory, and every learner touched is written back in one statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from client_directory.domain.classes import PendingEnrolment
from client_directory.domain.learners import Learner
from client_directory.domain.matching import ClientIndex, MatchKeys
from client_directory.service_layer.assignments import assign, remove
from client_directory.service_layer.classes import apply_on_arrival
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.vocabulary import RemovalReason


@dataclass(frozen=True, slots=True)
class LearnerSeen:
    """A customer registered."""

    customer_id: uuid.UUID
    email: str
    organization: str | None


@dataclass(frozen=True, slots=True)
class ProfileChanged:
    """A customer's e-mail and/or organisation may have changed (``remap``: one of them did)."""

    customer_id: uuid.UUID
    email: str
    organization: str | None
    remap: bool


LearnerNews = LearnerSeen | ProfileChanged


class LearnerBatch:
    """The learners a batch of registrations and profile changes touches, and their possible clients."""

    def __init__(
        self,
        forgotten: set[uuid.UUID],
        learners: dict[uuid.UUID, Learner],
        pending: dict[uuid.UUID, list[PendingEnrolment]] | None = None,
    ) -> None:
        self._forgotten = forgotten
        self._learners = learners
        self._pending = pending or {}
        self._index = ClientIndex({}, {})
        self._touched: dict[uuid.UUID, Learner] = {}

    @classmethod
    async def load(cls, uow: DirectoryUnitOfWork, news: Sequence[LearnerNews]) -> LearnerBatch:
        """Everything ``news`` needs: ``load_learners``, then ``load_clients``."""
        batch = await cls.load_learners(uow, [n.customer_id for n in news])
        await batch.load_clients(uow, news)
        return batch

    @classmethod
    async def load_learners(cls, uow: DirectoryUnitOfWork, customer_ids: Sequence[uuid.UUID]) -> LearnerBatch:
        """What is known of these customers, by id alone: tombstones, learners (locked), pending enrolments."""
        ids = sorted(set(customer_ids))
        await uow.learners.lock_arrivals(ids)  # an enrolment made meanwhile is seen here, or waits
        forgotten = await uow.learners.forgotten_among(ids)
        learners = await uow.learners.many_for_update([i for i in ids if i not in forgotten])
        # Learners new here may have been enrolled already: those enrolments are pending.
        pending = await uow.classes.pending_of([i for i in ids if i not in forgotten and i not in learners])
        return cls(forgotten, learners, pending)

    async def load_clients(self, uow: DirectoryUnitOfWork, news: Sequence[LearnerNews]) -> None:
        """The active clients whose domains or aliases the learners, as they are or as ``news``
        announces them, could match. Before ``apply``."""
        # Stand-ins carry the addresses the news could give a learner, for the index's look-up.
        as_announced = [Learner(n.customer_id, n.email, n.organization) for n in news]
        self._index = await uow.clients.index(MatchKeys.of([*self._learners.values(), *as_announced]))

    def apply(self, uow: DirectoryUnitOfWork, news: LearnerNews) -> None:
        """One registration or profile change, in the order the events came."""
        if news.customer_id in self._forgotten:
            return
        learner = self._learners.get(news.customer_id)
        if isinstance(news, LearnerSeen):
            # A registration; if a (later) profile change or an erasure got here first, it wins.
            learner = learner or Learner(news.customer_id, news.email, news.organization)
            may_remove = False
        elif learner is not None and learner.erased_at is not None:
            return  # an erased customer's personal data does not come back
        else:
            learner = learner or Learner(news.customer_id, news.email, news.organization)
            learner.email, learner.organization = news.email, news.organization
            may_remove = news.remap
        map_automatically(uow, learner, self._index, may_remove=may_remove)
        # The learner arrives: enrolments made before apply now, after the registration's own
        # mapping, as if they had come in that order (once: the learner is known from now on).
        apply_on_arrival(uow, learner, self._pending.pop(learner.customer_id, []))
        self._learners[learner.customer_id] = self._touched[learner.customer_id] = learner

    async def save(self, uow: DirectoryUnitOfWork) -> None:
        await uow.learners.save_all(self._touched.values())


async def record_learner(uow: DirectoryUnitOfWork, news: LearnerNews) -> None:
    """One registration or profile change on its own (a batch of one)."""
    batch = await LearnerBatch.load(uow, [news])
    batch.apply(uow, news)
    await batch.save(uow)


async def map_learners(uow: DirectoryUnitOfWork, learners: Sequence[Learner]) -> None:
    """Map ``learners`` (locked by the caller) to the clients that now match them, if any."""
    index = await uow.clients.index(MatchKeys.of(learners))
    for learner in learners:
        map_automatically(uow, learner, index, may_remove=False)
    await uow.learners.save_all(learners)


def map_automatically(uow: DirectoryUnitOfWork, learner: Learner, index: ClientIndex, *, may_remove: bool) -> None:
    """Domain first, then alias; manual and class assignments stay as they are.

    ``may_remove``: a learner whose e-mail/organisation no longer matches any active client
    leaves the client automatic mapping gave them.
    """
    if not learner.may_be_mapped_automatically():
        return
    found = index.match(learner)
    if found is not None:
        assign(uow, learner, *found)
    elif may_remove:
        remove(uow, learner, RemovalReason.NO_LONGER_MATCHES, by_admin=False)
