"""Query plans in tests: a list on big data must be answered from an index, not a scan.

Fill the table (``generate_series`` INSERTs), ``vacuum_analyze`` it (statistics, and the
visibility map index-only scans need), then::

    plan = await explain(session, query)
    assert_no_seq_scan(plan, "progress")

``explain`` runs ``EXPLAIN (FORMAT JSON)`` — the plan the planner chooses, the statement is not run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ClauseElement
from sqlalchemy.ext.asyncio import AsyncSession

Plan = dict[str, Any]


async def explain(session: AsyncSession, statement: ClauseElement | str) -> Plan:
    """The top node of the plan PostgreSQL chooses for ``statement`` (bound values inlined)."""
    connection = await session.connection()
    if isinstance(statement, str):
        sql = statement
    else:
        sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    found = (await connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()
    document = json.loads(found) if isinstance(found, str) else found
    return dict(document[0]["Plan"])


def nodes(plan: Plan) -> Iterator[Plan]:
    """Every node of ``plan``, depth first (init plans and subplans included)."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


# Nodes that pass rows on as they come: a Limit above them stops the scan below early.
_STREAMING = {"Limit", "Subquery Scan", "Result", "Gather", "Append"}
_JOINS = {"Nested Loop", "Hash Join"}


def seq_scans(plan: Plan, *, bounded_ok: bool = True) -> list[str]:
    """The tables a node of ``plan`` reads by a sequential scan. With ``bounded_ok``, a scan a Limit
    stops early is left out: under a Limit (only streaming nodes between) the planner expects to cut
    the rows short, it reads about ``limit / selectivity`` rows (the capped count of a broad
    filter), not the whole table. A scan for rare matches is reported."""
    found: list[str] = []

    def visit(node: Plan, limit: bool) -> None:
        kind = node.get("Node Type")
        if kind == "Seq Scan" and not (bounded_ok and limit):
            found.append(str(node.get("Relation Name")))
        for child in node.get("Plans", []):
            # a join streams its outer side; a hash join reads its inner side whole, a nested loop
            # runs it once per outer row: never bounded
            outer = child.get("Parent Relationship") == "Outer"
            if kind == "Limit":  # bounded when the planner expects the Limit to cut the rows short
                bound = float(child.get("Plan Rows", 0)) > float(node.get("Plan Rows", 0))
            elif kind in _STREAMING or (kind in _JOINS and outer):
                bound = limit
            else:
                bound = False
            visit(child, bound)

    visit(plan, False)
    return found


def assert_no_seq_scan(plan: Plan, *tables: str) -> None:
    """No node of ``plan`` scans one of ``tables`` sequentially (the plan is shown when one does);
    a scan a Limit stops early is allowed (``seq_scans``)."""
    scanned = sorted(set(seq_scans(plan)) & set(tables))
    assert not scanned, f"sequential scan of {scanned} in the plan:\n{_outline(plan)}"


def _outline(plan: Plan, depth: int = 0) -> str:
    relation = f" on {plan['Relation Name']}" if "Relation Name" in plan else ""
    index = f" using {plan['Index Name']}" if "Index Name" in plan else ""
    line = f"{'  ' * depth}{plan.get('Node Type')}{relation}{index} (rows={plan.get('Plan Rows')})"
    return "\n".join([line, *(_outline(child, depth + 1) for child in plan.get("Plans", []))])


async def vacuum_analyze(session: AsyncSession, *tables: str) -> None:
    """``VACUUM ANALYZE`` each of ``tables`` (as autovacuum would have by then): statistics, and the
    visibility map that makes index-only scans cheap. The session's first use (outside a transaction)."""
    connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    for table in tables:
        await connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
