"""An admin list's two statements, built once per set of filters.

Every admin list runs the same statements with other values: its page (ordered, LIMIT, OFFSET)
and its capped total (``counting``). Built on every request,
the statements and SQLAlchemy's cache keys for them were 10 to 18 % of a list's CPU (py-spy under
``wrk -c20``). ``ListStatements`` builds them once per *shape* — which filters are given, each
named as the statements' parameter that carries its value — compiles them once, and runs them
with the values bound on the session's psycopg connection: SQLAlchemy's execution path (cache
keys, result and row objects) then cost more than half of a customers page's CPU in
customer-account (``trainyard_common.db.driver``).

The capped total travels with the page, one statement and one round trip: the page's rows carry
it as one more column (``TOTAL``, an uncorrelated scalar subquery PostgreSQL runs once), and the
count runs on its own only for an empty page past the list's start. The second round trip was
13 % of a customer list's CPU in customer-account (py-spy, ``bench/admin_lists.py``'s load), and
the page and its total now come from one snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Subquery, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.db.counting import capped_count_query
from trainyard_common.db.driver import CompiledStatement, fetch_dicts

Shape = frozenset[str]

TOTAL = "list_total"
"""The column each page row carries beside the list's own: how many rows match (capped)."""


class ListStatements:
    """``rows(shape)``: the list's rows for the filters in ``shape``, unordered, their values as
    parameters of the same names; ``counted(shape)``: what its total counts (``rows`` unless a
    cheaper statement counts the same). ``order``: the page's order, or ``order(shape)`` when a
    filter's index orders the list by its own copy of the order's columns.

    ``shown(page)``: when given, ``rows`` chooses the page (its own table, and only the joins a
    filter needs), and ``shown`` joins what the page shows to that chosen page (a subquery,
    ``TOTAL`` among its columns) and orders it again. PostgreSQL then joins the other tables
    for the page's rows alone: planned over the whole list instead, a nested loop's cache
    (Memoize) was sized for every match, ~1 ms of setup per statement on a million rows."""

    def __init__(
        self,
        rows: Callable[[Shape], Select[Any]],
        order: Sequence[ColumnElement[Any]] | Callable[[Shape], Sequence[ColumnElement[Any]]],
        *,
        counted: Callable[[Shape], Select[Any]] | None = None,
        shown: Callable[[Subquery], Select[Any]] | None = None,
    ) -> None:
        self._rows, self._counted, self._shown = rows, counted or rows, shown
        self._order = order if callable(order) else (lambda _shape, fixed=tuple(order): fixed)
        self._built: dict[Shape, tuple[Select[Any], Select[Any]]] = {}
        self._compiled: dict[Shape, tuple[CompiledStatement, CompiledStatement]] = {}

    def statements(self, shape: Shape) -> tuple[Select[Any], Select[Any]]:
        """The page (``limit`` and ``offset`` parameters) and the capped count for ``shape``."""
        built = self._built.get(shape)
        if built is None:
            counted = capped_count_query(self._counted(shape))
            page = (
                self._rows(shape)
                .add_columns(counted.scalar_subquery().label(TOTAL))
                .order_by(*self._order(shape))
                .limit(bindparam("limit", type_=Integer))
                .offset(bindparam("offset", type_=Integer))
            )
            if self._shown is not None:
                page = self._shown(page.subquery("chosen"))
            built = self._built[shape] = (page, counted)
        return built

    def bound(self, values: Mapping[str, Any], *, limit: int, offset: int) -> Select[Any]:
        """The page's statement with these values bound: what ``page`` runs (for EXPLAIN, a bench)."""
        page, _ = self.statements(frozenset(values))
        return page.params({**values, "limit": limit, "offset": offset})

    async def page(
        self, session: AsyncSession, values: Mapping[str, Any], *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the rows the filters ``values`` (by name) select, each a dict by column
        label, and how many match, counted up to ``COUNT_CAP``. The statements run on the
        session's psycopg connection, compiled once (``trainyard_common.db.driver``)."""
        page, counted = self._compiled_for(frozenset(values), session)
        rows = await fetch_dicts(session, page, {**values, "limit": limit, "offset": offset})
        if rows:
            total = rows[0][TOTAL]
            for row in rows:
                del row[TOTAL]
            return rows, int(total)
        if offset == 0:
            return rows, 0
        (count,) = await fetch_dicts(session, counted, values)  # a page past the end
        return rows, int(next(iter(count.values())) or 0)

    def _compiled_for(self, shape: Shape, session: AsyncSession) -> tuple[CompiledStatement, CompiledStatement]:
        compiled = self._compiled.get(shape)
        if compiled is None:
            dialect = session.get_bind().dialect
            page, counted = self.statements(shape)
            compiled = self._compiled[shape] = (
                CompiledStatement.of(page, dialect),
                CompiledStatement.of(counted, dialect),
            )
        return compiled
