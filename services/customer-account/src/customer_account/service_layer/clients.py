"""The customer's client, kept from client-directory's events (the admin list filters on it).

Assignments and removals come on two topics, each a partition batch at a time: the customers
a batch names are loaded (locked, in key order), its events applied in order in memory, and
the clients that changed written back in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence

from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.db.batches import apply_in_order
from trainyard_common.projections.clients import ClientNews, client_after


async def record_clients(uow: CustomerUnitOfWork, news: Sequence[ClientNews]) -> None:
    """Apply ``news`` in order; an unknown customer stays unknown."""
    clients = await uow.customers.clients_for_update(n.customer_id for n in news)
    changed = apply_in_order(clients, news, key=lambda n: n.customer_id, step=client_after)
    await uow.customers.set_clients(changed)
