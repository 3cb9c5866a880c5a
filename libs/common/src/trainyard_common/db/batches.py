"""Applying a batch of events to rows: fold them per key in their order, write back in one statement.

A batch handler loads the rows its events touch, applies the events in order in memory and
writes the result back. Two traps make the writing subtle; their answers live here once:

* a multi-row ``INSERT … ON CONFLICT DO UPDATE`` fails ("cannot affect row a second time") when
  two of its rows share a key, so a batch's events are first folded to one row per key, with the
  result applying them one by one would give (``last_per_key``, ``latest_per_key``,
  ``apply_in_order``);
* a service handles its topics' batches concurrently, and two transactions that lock the same
  rows in different orders can deadlock (retried, but it costs): rows are locked (``LockRows``)
  and written (``InsertRows``) sorted by key.

Rows travel as one JSON array (see ``_ArrayRows``): one statement and one round trip per
batch, whatever its size. The statements are built once, when a module defines them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    ColumnElement,
    Row,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

T = TypeVar("T")
S = TypeVar("S")
K = TypeVar("K", bound="SupportsRichComparison")

_DIALECT = PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's dialects are untyped
_quote = _DIALECT.identifier_preparer.quote


# --- folding a batch per key --------------------------------------------------------------


def last_per_key(items: Iterable[T], key: Callable[[T], K]) -> list[T]:
    """The last item of each key, sorted by key: what writing them one by one leaves."""
    last = {key(item): item for item in items}
    return [last[k] for k in sorted(last)]


def first_per_key(items: Iterable[T], key: Callable[[T], K]) -> list[T]:
    """The first item of each key, sorted by key: what inserting them one by one leaves when a
    known key is left alone (``ON CONFLICT DO NOTHING``)."""
    first: dict[K, T] = {}
    for item in items:
        first.setdefault(key(item), item)
    return [first[k] for k in sorted(first)]


def latest_per_key(items: Iterable[T], key: Callable[[T], K], at: Callable[[T], Any]) -> list[T]:
    """Per key, the item with the latest ``at`` (of equal ones, the later), sorted by key.

    What writing them one by one leaves when each write is guarded by "the stored row is not
    newer" (``ON CONFLICT … DO UPDATE … WHERE stored.at <= excluded.at``): each write then applies
    when its ``at`` is at least every ``at`` before it, so the last one standing is the latest —
    and writing only that one, with the same guard, leaves the same row whatever was stored.
    """
    latest: dict[K, T] = {}
    for item in items:
        k = key(item)
        if k not in latest or at(item) >= at(latest[k]):
            latest[k] = item
    return [latest[k] for k in sorted(latest)]


def apply_in_order(
    states: Mapping[K, S], items: Iterable[T], key: Callable[[T], K], step: Callable[[S, T], S]
) -> dict[K, S]:
    """Apply each item in turn to the state of its key; return the states that changed, by key.

    ``states`` are the rows as loaded; an item whose key has none (no such row) is skipped, as
    an ``UPDATE`` of a missing row changes nothing.
    """
    after = dict(states)
    for item in items:
        k = key(item)
        if k in after:
            after[k] = step(after[k], item)
    return {k: after[k] for k in sorted(after) if after[k] != states[k]}


# --- statements over arrays ---------------------------------------------------------------


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _sql_type(column: Column[Any]) -> str:
    return "jsonb" if _is_json(column) else str(column.type.compile(dialect=_DIALECT))


def _json_default(value: Any) -> str:
    """What orjson does not write itself (Decimal): as text, which PostgreSQL casts exactly."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} in a batch")


def json_array(values: Iterable[Any]) -> str:
    """``values`` as one JSON array, the bind parameter a batch's keys travel in (see ``_ArrayRows``)."""
    return orjson.dumps(list(values), default=_json_default).decode()


def any_of(column: ColumnElement[Any], parameter: str) -> ColumnElement[bool]:
    """``column = ANY(:parameter)``, the values sent as one array of the column's type: one statement
    text however many values (``column.in_(list)`` renders one per count, so psycopg, which
    prepares a statement once its text has run five times, never prepares it)."""
    return column == any_(bindparam(parameter, type_=ARRAY(column.type)))


def keys_in(parameter: str) -> Select[tuple[str]]:
    """The text keys sent as a ``json_array`` in ``parameter``, as a sub-select: for ``column.in_(…)``
    in a statement built once (an ``IN`` list is compiled anew for each batch, a parameter per key)."""
    return select(func.json_array_elements_text(cast(bindparam(parameter, type_=Text), JSON)))


class _ArrayRows:
    """Rows given as tuples in ``columns`` order, sent as one JSON array of arrays.

    One JSON text, written by orjson in C, rather than one array per column: psycopg dumps a
    ``text[]`` element by element in Python, quoting each with a regex, which cost a consumer
    more than the rest of its batch. The server takes the JSON apart and casts each value to its
    column's type (JSON columns travel as their text and are cast back).
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._json = [_is_json(table.c[name]) for name in self.columns]

    def _rows(self, alias: str, *, ordered: bool = False) -> str:
        values = ", ".join(
            f"CAST(r->>{i} AS {_sql_type(self.table.c[name])}) AS {_quote(name)}" for i, name in enumerate(self.columns)
        )
        position = ", n AS _position" if ordered else ""
        rows = "json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS e(r, n)"
        return f"(SELECT {values}{position} FROM {rows}) AS {alias}"  # noqa: S608 (names from the Table, values bound)

    def _values(self) -> str:
        return ", ".join(map(_quote, self.columns))

    def parameters(self, rows: Sequence[Sequence[Any]]) -> dict[str, str]:
        if any(self._json):
            rows = [
                [
                    orjson.dumps(v).decode() if is_json and v is not None else v
                    for v, is_json in zip(row, self._json, strict=True)
                ]
                for row in rows
            ]
        return {"rows": orjson.dumps(rows, default=_json_default).decode()}


class InsertRows(_ArrayRows):
    """``INSERT INTO table (columns) SELECT … FROM <the rows>``, the rows in the order given.

    ``conflict``: the key of ``ON CONFLICT``; with ``update``, ``DO UPDATE SET`` those columns
    from ``excluded`` — or, given a mapping, each column to its SQL expression over ``<table>``
    and ``excluded`` (``where``: a guard, SQL over the same) — else ``DO NOTHING``. Give rows
    sorted by key, and for ``DO UPDATE`` one per key (see the folds above). ``rows_where``: which
    of the given rows are inserted at all, SQL over ``batch`` (e.g. ``NOT EXISTS`` a tombstone).
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        conflict: Sequence[str] = (),
        update: Sequence[str] | Mapping[str, str] = (),
        where: str | None = None,
        returning: Sequence[str] = (),
        rows_where: str | None = None,
    ) -> None:
        super().__init__(table, columns)
        # ORDER BY the arrays' positions: rows are inserted, and locked, in the order given.
        sql = (
            f"INSERT INTO {_quote(table.name)} ({', '.join(map(_quote, self.columns))}) "  # noqa: S608 (names from the Table, values bound)
            f"SELECT {self._values()} FROM {self._rows('batch', ordered=True)}"
            + (f" WHERE {rows_where}" if rows_where else "")
            + " ORDER BY _position"
        )
        if conflict:
            sql += f" ON CONFLICT ({', '.join(map(_quote, conflict))}) "
            if update:
                expressions = update if isinstance(update, Mapping) else {c: f"excluded.{_quote(c)}" for c in update}
                sql += "DO UPDATE SET " + ", ".join(f"{_quote(c)} = {e}" for c, e in expressions.items())
                sql += f" WHERE {where}" if where else ""
            else:
                sql += "DO NOTHING"
        if returning:
            sql += f" RETURNING {', '.join(map(_quote, returning))}"
        self.statement = text(sql)
        self._returns = bool(returning)

    async def execute(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[Row[Any]]:
        """Insert ``rows`` (nothing to do when empty); the ``returning`` columns of those written."""
        if not rows:
            return []
        result = await session.execute(self.statement, self.parameters(rows))
        return list(result) if self._returns else []


class UpdateRows(_ArrayRows):
    """``UPDATE table SET columns … FROM <the rows> WHERE table.key = batch.key``.

    One row per key (an ``UPDATE … FROM`` row matched twice takes either value); lock the rows
    first (``LockRows``) if their order matters, since an ``UPDATE`` locks in the plan's order.
    """

    def __init__(self, table: Table, key: str, columns: Sequence[str]) -> None:
        super().__init__(table, [key, *columns])
        target = _quote(table.name)
        self.statement = text(
            f"UPDATE {target} SET {', '.join(f'{_quote(c)} = batch.{_quote(c)}' for c in columns)} "  # noqa: S608 (as above)
            f"FROM {self._rows('batch')} WHERE {target}.{_quote(key)} = batch.{_quote(key)}"
        )

    async def execute(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> None:
        """Update ``rows`` (key first, then the columns); nothing to do when empty."""
        if rows:
            await session.execute(self.statement, self.parameters(rows))


class SelectRows:
    """``SELECT columns FROM table WHERE key IN (<keys>) ORDER BY key``: the rows of a batch's
    keys, in one statement built once (an ``IN`` list would be compiled anew for every batch,
    with one parameter per key). ``lock``: also lock them, in key order (see the module's
    docstring) — ``NO KEY UPDATE`` (what an ``UPDATE`` of non-key columns takes, so foreign-key
    checks of other tables' inserts still pass) or ``UPDATE`` (before a ``DELETE``).
    """

    def __init__(
        self,
        table: Table,
        key: str,
        columns: Sequence[str],
        *,
        lock: Literal["NO KEY UPDATE", "UPDATE"] | None = None,
    ) -> None:
        column = table.c[key]
        self.statement = text(
            f"SELECT {', '.join(map(_quote, columns))} FROM {_quote(table.name)} "  # noqa: S608 (as above)
            f"WHERE {_quote(key)} IN (SELECT CAST(k AS {_sql_type(column)}) "
            f"FROM json_array_elements_text(CAST(:keys AS json)) AS k) ORDER BY {_quote(key)}"
            + (f" FOR {lock}" if lock else "")
        )

    async def execute(self, session: AsyncSession, keys: Iterable[Any]) -> list[Row[Any]]:
        wanted = list(set(keys))
        if not wanted:
            return []
        return list(await session.execute(self.statement, {"keys": json_array(wanted)}))


class LockRows(SelectRows):
    """``SelectRows`` that locks: the rows a batch is about to change, in key order."""

    def __init__(
        self, table: Table, key: str, columns: Sequence[str], *, mode: Literal["NO KEY UPDATE", "UPDATE"]
    ) -> None:
        super().__init__(table, key, columns, lock=mode)
