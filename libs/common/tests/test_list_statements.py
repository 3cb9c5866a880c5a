"""``ListStatements`` builds a list's page and count once per set of filters, and binds the
filters' values, the page's limit and offset at run time."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Select, String, Table, bindparam, select
from sqlalchemy.dialects import postgresql

from trainyard_common.db.listing import TOTAL, ListStatements, Shape

things = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("colour", String))


def rows(shape: Shape) -> Select[Any]:
    query = select(things)
    if "colour" in shape:
        query = query.where(things.c.colour == bindparam("colour"))
    return query


def test_each_set_of_filters_is_built_once() -> None:
    built: list[Shape] = []
    statements = ListStatements(lambda shape: built.append(shape) or rows(shape), [things.c.id])

    first = statements.statements(frozenset({"colour"}))
    assert statements.statements(frozenset({"colour"})) is first
    assert statements.statements(frozenset()) is not first
    assert Counter(built) == {frozenset({"colour"}): 2, frozenset(): 2}, "its page and its count, once each"


def test_the_page_and_the_count_take_the_values_as_parameters() -> None:
    page, counted = ListStatements(rows, [things.c.id]).statements(frozenset({"colour"}))
    sql = [str(s.compile(dialect=postgresql.dialect())) for s in (page, counted)]  # type: ignore[no-untyped-call]

    assert "things.colour = %(colour)s" in sql[0]
    assert "ORDER BY things.id" in sql[0]
    assert "LIMIT %(limit)s" in sql[0]
    assert "OFFSET %(offset)s" in sql[0]
    assert "things.colour = %(colour)s" in sql[1]
    assert "count(*)" in sql[1]


def test_the_page_carries_the_capped_count_in_the_same_statement() -> None:
    page, counted = ListStatements(rows, [things.c.id]).statements(frozenset({"colour"}))
    page_sql = str(page.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    count_sql = str(counted.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]

    assert f"AS {TOTAL}" in page_sql
    assert count_sql.split("SELECT ", 1)[1].split(" FROM", 1)[0] in page_sql
    assert page_sql.count("things.colour = %(colour)s") == 2, "the page's filter and the count's"


def test_a_shown_page_joins_to_the_chosen_rows_and_orders_them_again() -> None:
    def shown(page: Any) -> Select[Any]:
        return select(page.c.id, page.c[TOTAL]).order_by(page.c.id.desc())

    page, _ = ListStatements(rows, [things.c.id.desc()], shown=shown).statements(frozenset({"colour"}))
    sql = str(page.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]

    chosen = sql.split("FROM (", 1)[1]
    assert "LIMIT %(limit)s" in chosen, "the page is chosen inside"
    assert sql.rstrip().endswith("ORDER BY chosen.id DESC"), "and ordered again outside"


def test_the_order_may_depend_on_the_filters() -> None:
    def order(shape: Shape) -> list[Any]:
        return [things.c.colour, things.c.id] if "colour" in shape else [things.c.id]

    statements = ListStatements(rows, order)
    by_colour = str(statements.statements(frozenset({"colour"}))[0].compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    everyone = str(statements.statements(frozenset())[0].compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]

    assert "ORDER BY things.colour, things.id" in by_colour
    assert "ORDER BY things.id" in everyone
    assert "things.colour," not in everyone.split("ORDER BY", 1)[1]
