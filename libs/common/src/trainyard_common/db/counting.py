"""The ``total`` of an admin list without counting a million rows.

An exact ``count(*)`` costs time in proportion to what matches: on 1,000,000 progress rows an
unfiltered tab reads a third of an index for every page shown. Lists count up to ``COUNT_CAP``
matches and stop there: ``total`` is exact up to ``COUNT_CAP``; beyond, it is ``COUNT_CAP + 1``
and the list says ``total_capped: true`` (shown "10,000+"). Narrow the filters to get an exact
figure. The list's own query is passed; its ORDER BY, LIMIT and OFFSET are dropped here. A list
runs its page and this count through ``trainyard_common.db.listing.ListStatements``.

A page shorter than its limit ends the list, so its total needs no count at all
(``total_from_page``): a customer's few orders, a customer's access list (commerce-access reads
those pages first and counts only when a page is full). The admin lists send the count with
their page instead, in the same statement (``ListStatements``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

COUNT_CAP = 10_000


def is_capped(total: int) -> bool:
    """Whether a capped ``total`` stopped at the cap (more rows match)."""
    return total > COUNT_CAP


def capped_count_query(query: Select[Any], cap: int = COUNT_CAP) -> Select[Any]:
    """How many rows ``query`` yields, counted up to ``cap + 1`` (``cap + 1``: more than ``cap``)."""
    rows = query.order_by(None).offset(None).with_only_columns(literal(1), maintain_column_froms=True)
    return select(func.count()).select_from(rows.limit(cap + 1).subquery())


def total_from_page(found: int, *, limit: int, offset: int) -> int | None:
    """The list's total known from its page alone: ``offset + found`` when the page is shorter
    than ``limit`` and is the first or not empty (it ends the list). None: count the rows."""
    if found < limit and (found > 0 or offset == 0):
        return offset + found
    return None
