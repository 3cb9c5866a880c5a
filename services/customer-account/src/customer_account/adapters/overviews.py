"""Customers as the admin API shows them (``overview_fields``), each read in one statement with
its groups, deletion request and deletion blockers: a customer's details are one statement, not
five, and a page of the admin list one (and its count when the page is full), not six."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, Subquery, exists, func, select, text, true
from sqlalchemy.dialects.postgresql import aggregate_order_by

from customer_account.adapters.tables import (
    customer_access,
    customer_groups,
    customers,
    deletion_requests,
    groups,
    order_history,
)
from customer_account.domain.customer import Customer, CustomerStatus
from customer_account.domain.deletion import deletion_blockers
from trainyard_common.db.listing import TOTAL

_GROUP_LABELS = (
    select(
        func.array_agg(aggregate_order_by(groups.c.id, groups.c.name)).label("ids"),
        func.array_agg(aggregate_order_by(groups.c.name, groups.c.name)).label("names"),
    )
    .select_from(customer_groups.join(groups, groups.c.id == customer_groups.c.group_id))
    .where(customer_groups.c.customer_id == customers.c.id)
    .lateral("group_labels")
)
"""The customer's groups' ids and names, ordered by name: one lateral subquery per customer (two
scalar subqueries, one per array, cost a page of fifty 0.4 ms more)."""

_DELETION_FIELDS = ("state", "reason", "requested_at", "decided_at")
_EXTRAS = (
    func.coalesce(_GROUP_LABELS.c.ids, text("'{}'")).label("group_ids"),
    func.coalesce(_GROUP_LABELS.c.names, text("'{}'")).label("group_names"),
    *(deletion_requests.c[name].label(f"deletion_request_{name}") for name in _DELETION_FIELDS),
    exists().where(order_history.c.customer_id == customers.c.id).label("has_orders"),
    exists().where(customer_access.c.customer_id == customers.c.id, customer_access.c.active).label("has_access"),
)
_CUSTOMER_FIELDS = tuple(c.name for c in customers.c if c.name != "status")
_WITH_DELETION = customers.outerjoin(deletion_requests, deletion_requests.c.customer_id == customers.c.id).outerjoin(
    _GROUP_LABELS, true()
)


def overview_rows(query: Select[Any]) -> Select[Any]:
    """The customers ``query`` selects (by its conditions), each one row with its overview: the
    columns the API shows, not the password hash and the other internal ones (a page of fifty
    carried 5 kB more to parse)."""
    return query.with_only_columns(*(customers.c[name] for name in _SHOWN_FIELDS), *_EXTRAS).select_from(_WITH_DELETION)


def overview_page(page: Subquery) -> Select[Any]:
    """The chosen page's customers (``page``: their ``id`` and ``created_at``, the list's total as
    ``TOTAL``) with their overviews, newest first: the groups, deletion request and blockers are
    read for these customers alone."""
    return (
        select(*(customers.c[name] for name in _SHOWN_FIELDS), *_EXTRAS, page.c[TOTAL])
        .select_from(page.join(_WITH_DELETION, customers.c.id == page.c.id))
        .order_by(page.c.created_at.desc(), page.c.id)
    )


def customer_of(values: Mapping[str, Any]) -> Customer:
    """The customer in a row's values (its ``customers`` columns; any others are left out)."""
    return Customer(**{name: values[name] for name in _CUSTOMER_FIELDS}, status=CustomerStatus(values["status"]))


def overview_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """A customer's overview row (its values by column label) as the admin API shows it
    (``CustomerDetails``' fields, plain data: what a list page writes straight out).

    A read model, not the aggregate: the page needs no ``Customer`` to enforce rules on, and one
    built per row (with its groups and deletion request) was taken apart again at once; without
    it a customers page costs customer-account 2.3 to 2.5 ms of CPU instead of 2.6
    (``bench/admin_lists.py``)."""
    blockers = deletion_blockers(has_orders=values["has_orders"], has_access=values["has_access"])
    return {
        **{name: values[name] for name in _SHOWN_FIELDS},
        "groups": [{"id": i, "name": n} for i, n in zip(values["group_ids"], values["group_names"], strict=True)],
        "deletion": _deletion_fields(values),
        "deletable": not blockers,
        "not_deletable_reasons": blockers,
    }


_SHOWN_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "organization",
    "status",  # stored as its value
    "tax_exempt",
    "created_at",
    "password_expires_at",
    "password_expiry_days",
    "password_change_required",
    "erased_at",
)


def _deletion_fields(values: Mapping[str, Any]) -> dict[str, Any] | None:
    if values["deletion_request_state"] is None:
        return None
    return {name: values[f"deletion_request_{name}"] for name in _DELETION_FIELDS}
