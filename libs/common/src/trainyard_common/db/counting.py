"""The ``total`` of an admin list without counting a million rows.

An exact ``count(*)`` costs time in proportion to what matches: on 1,000,000 progress rows an
unfiltered tab reads a third of an index for every page shown. Lists count up to ``COUNT_CAP``
matches and stop there: ``total`` is exact up to ``COUNT_CAP``; beyond, it is ``COUNT_CAP + 1``
and the list says ``total_capped: true`` (shown "10,000+"). Narrow the filters to get an exact
figure. The list's own query is passed; its ORDER BY, LIMIT and OFFSET are dropped here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

COUNT_CAP = 10_000


def is_capped(total: int) -> bool:
    """Whether a ``total`` from ``capped_count`` stopped at the cap (more rows match)."""
    return total > COUNT_CAP


def capped_count_query(query: Select[Any], cap: int = COUNT_CAP) -> Select[Any]:
    """The statement ``capped_count`` runs (for a test to EXPLAIN it)."""
    rows = query.order_by(None).offset(None).with_only_columns(literal(1), maintain_column_froms=True)
    return select(func.count()).select_from(rows.limit(cap + 1).subquery())


async def capped_count(session: AsyncSession, query: Select[Any], cap: int = COUNT_CAP) -> int:
    """How many rows ``query`` yields, counted up to ``cap + 1`` (``cap + 1``: more than ``cap``)."""
    return int(await session.scalar(capped_count_query(query, cap)) or 0)
