"""A learner's client, as client-directory's events tell it.

customer-account (the admin list's client filter) and training-progress (partners) both keep
it, from two topics handled concurrently: the rule that folds the events, in order, onto what
is stored is written once, here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from trainyard_common.contracts import LearnerAssignedToClient, LearnerRemovedFromClient


@dataclass(frozen=True, slots=True)
class ClientNews:
    """The learner was assigned to ``client_id`` or (``assigned`` false) removed from it."""

    customer_id: uuid.UUID
    client_id: uuid.UUID
    assigned: bool

    @classmethod
    def of(cls, event: LearnerAssignedToClient | LearnerRemovedFromClient) -> ClientNews:
        return cls(event.customer_id, event.client_id, assigned=isinstance(event, LearnerAssignedToClient))


def client_after(current: uuid.UUID | None, news: ClientNews) -> uuid.UUID | None:
    """An assignment replaces any client. A removal from a client the learner is no longer in
    changes nothing: a later assignment, from the other topic, may have been handled first."""
    if news.assigned:
        return news.client_id
    return None if current == news.client_id else current
