"""``trainyard_common.testing.plans``: which sequential scans a plan is refused for."""

from __future__ import annotations

from typing import Any

import pytest

from trainyard_common.testing.plans import assert_no_seq_scan, seq_scans


def node(kind: str, rows: int, *children: dict[str, Any], relation: str | None = None, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"Node Type": kind, "Plan Rows": rows, **extra}
    if relation:
        found["Relation Name"] = relation
    if children:
        found["Plans"] = list(children)
    return found


def scan(table: str, rows: int, relationship: str = "Outer") -> dict[str, Any]:
    return node("Seq Scan", rows, relation=table, **{"Parent Relationship": relationship})


def test_a_scan_of_the_table_is_refused_and_shown() -> None:
    plan = node("Aggregate", 1, scan("progress", 1_000_000))
    with pytest.raises(AssertionError, match=r"(?s)progress.*Seq Scan on progress"):
        assert_no_seq_scan(plan, "progress")
    assert_no_seq_scan(plan, "customers")  # another table's scan is not asked about


def test_a_scan_a_limit_cuts_short_is_allowed_one_it_does_not_cut_is_not() -> None:
    cut = node("Aggregate", 1, node("Limit", 10_001, scan("progress", 300_000)))
    assert seq_scans(cut) == []
    whole = node("Aggregate", 1, node("Limit", 40, scan("progress", 40)))  # fewer rows than the limit
    assert seq_scans(whole) == ["progress"]
    assert seq_scans(cut, bounded_ok=False) == ["progress"]


def test_a_limit_does_not_bound_a_sort_a_hash_or_the_inner_side_of_a_loop() -> None:
    sorted_first = node("Limit", 50, node("Sort", 300_000, scan("progress", 300_000)))
    assert seq_scans(sorted_first) == ["progress"]
    hashed = node(
        "Limit",
        50,
        node(
            "Hash Join",
            1_000,
            scan("items", 300_000),
            node("Hash", 100, scan("progress", 900_000), **{"Parent Relationship": "Inner"}),
        ),
    )
    assert seq_scans(hashed) == ["progress"]  # the outer side streams, the hashed side is read whole
    looped = node("Limit", 50, node("Nested Loop", 1_000, scan("a", 1_000), scan("b", 10, "Inner")))
    assert seq_scans(looped) == ["b"]
