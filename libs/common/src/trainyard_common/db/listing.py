"""An admin list's two statements, built once per set of filters.

Every admin list runs the same two statements with other values: its page (ordered, LIMIT,
OFFSET) and, when the page is full, its capped total (``counting``). Built on every request,
the statements and SQLAlchemy's cache keys for them were 10 to 18 % of a list's CPU (py-spy under
``wrk -c20``). ``ListStatements`` builds them once per *shape* — which filters are given, each
named as the statements' parameter that carries its value — and runs them with the values bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.db.counting import capped_count_query, total_from_page

Shape = frozenset[str]


class ListStatements:
    """``rows(shape)``: the list's rows for the filters in ``shape``, unordered, their values as
    parameters of the same names; ``counted(shape)``: what its total counts (``rows`` unless a
    cheaper statement counts the same). ``order``: the page's order."""

    def __init__(
        self,
        rows: Callable[[Shape], Select[Any]],
        order: Sequence[ColumnElement[Any]],
        *,
        counted: Callable[[Shape], Select[Any]] | None = None,
    ) -> None:
        self._rows, self._order, self._counted = rows, tuple(order), counted or rows
        self._built: dict[Shape, tuple[Select[Any], Select[Any]]] = {}

    def statements(self, shape: Shape) -> tuple[Select[Any], Select[Any]]:
        """The page (``limit`` and ``offset`` parameters) and the capped count for ``shape``."""
        built = self._built.get(shape)
        if built is None:
            page = self._rows(shape).order_by(*self._order).limit(bindparam("limit")).offset(bindparam("offset"))
            built = self._built[shape] = (page, capped_count_query(self._counted(shape)))
        return built

    async def page(
        self, session: AsyncSession, values: Mapping[str, Any], *, limit: int, offset: int
    ) -> tuple[Sequence[Row[Any]], int]:
        """A page of the rows the filters ``values`` (by name) select, and how many match: from
        the page when it ends the list, otherwise counted up to ``COUNT_CAP``."""
        page, counted = self.statements(frozenset(values))
        rows = (await session.execute(page, {**values, "limit": limit, "offset": offset})).all()
        total = total_from_page(len(rows), limit=limit, offset=offset)
        if total is None:
            total = int(await session.scalar(counted, values) or 0)
        return rows, total
