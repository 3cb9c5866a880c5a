"""The report's chart (server-drawn SVG geometry) and the console's list fields."""

from __future__ import annotations

from gateway.console.clients import split_list
from gateway.console.reports import CHART_CLIENTS, chart, series


def _row(name: str, learners: int, **progress: tuple[int, int]) -> dict[str, object]:
    counts = {k: {"in_progress": a, "completed": b} for k, (a, b) in progress.items()}
    return {"client_name": name, "learners": learners, "enrollments": 2, "progress": counts}


def test_series_has_learners_enrolments_and_both_counts_of_every_training_type() -> None:
    values = series(_row("Acme", 5, course=(3, 1)))
    assert values == [
        ("Learners", 5),
        ("Enrolments", 2),
        ("Modules in progress", 0),
        ("Modules completed", 0),
        ("Courses in progress", 3),
        ("Courses completed", 1),
        ("Certifications in progress", 0),
        ("Certifications completed", 0),
    ]


def test_bars_are_scaled_to_the_largest_value_and_stand_on_the_baseline() -> None:
    drawn = chart([_row("Acme", 4, module=(1, 2)), _row("Beta", 0)])
    assert drawn is not None
    assert len(drawn.bars) == 16
    tallest = max(drawn.bars, key=lambda b: b.height)
    assert tallest.title == "Acme: Learners 4"
    assert tallest.y == drawn.baseline - tallest.height
    assert all(abs(b.y + b.height - drawn.baseline) < 1e-9 for b in drawn.bars)
    half = next(b for b in drawn.bars if b.title == "Acme: Modules completed 2")
    assert half.height == tallest.height / 2
    assert [label for _, label in drawn.labels] == ["Acme", "Beta"]
    assert drawn.ticks[-1][1] == 4


def test_nothing_to_draw_and_the_chart_is_limited() -> None:
    assert chart([]) is None
    many = chart([_row(f"C{i}", i) for i in range(CHART_CLIENTS + 5)])
    assert many is not None
    assert len(many.labels) == CHART_CLIENTS


def test_list_fields_split_on_commas_semicolons_and_lines() -> None:
    assert split_list("@a.com, b.com;\n\n c.com ,") == ["@a.com", "b.com", "c.com"]
