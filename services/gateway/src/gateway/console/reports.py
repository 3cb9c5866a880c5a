"""Reports: by client (filters: client, repeatable; industry; from; to) with a chart drawn on the
server as SVG (no script), and the per-class report.

The chart groups, per client, its learners, enrolments, and in-progress and completed counts by
training type; it draws the first ``CHART_CLIENTS`` rows of the report (the table lists them all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, console_api
from gateway.console.clients import industries
from gateway.console.web import CONSOLE, current_session, path_id, render
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
TRAINING_TYPES = ("module", "course", "certification")
CHART_CLIENTS = 15
REPORT_ROWS = 500
_PALETTE = ("#1c5fb8", "#6b8fd6", "#b35900", "#e69a4c", "#1d7a3a", "#66b27a", "#7a2d8f", "#b98ac6")
_BAR, _GAP, _PLOT_HEIGHT, _LEFT, _TOP, _BOTTOM = 12, 28, 220, 44, 12, 64


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    bars: list[Bar]
    labels: list[tuple[float, str]]
    ticks: list[tuple[float, int]]
    legend: list[tuple[str, str]]
    baseline: float
    plot_left: float
    plot_right: float


def series(row: dict[str, Any]) -> list[tuple[str, int]]:
    """The chart's values for one client: learners, enrolments, then each training type's counts."""
    values = [("Learners", int(row["learners"])), ("Enrolments", int(row["enrollments"]))]
    progress = row.get("progress") or {}
    kinds = [*TRAINING_TYPES, *sorted(k for k in progress if k not in TRAINING_TYPES)]
    for kind in kinds:
        counts = progress.get(kind) or {"in_progress": 0, "completed": 0}
        name = kind.replace("_", " ").capitalize() + "s"
        values.append((f"{name} in progress", int(counts["in_progress"])))
        values.append((f"{name} completed", int(counts["completed"])))
    return values


def chart(rows: list[dict[str, Any]]) -> Chart | None:
    """A grouped bar chart of the report's rows (None when there is nothing to draw)."""
    shown = rows[:CHART_CLIENTS]
    if not shown:
        return None
    data = [series(r) for r in shown]
    names = [name for name, _ in data[0]]
    top = max(1, *(v for values in data for _, v in values))
    scale = _PLOT_HEIGHT / top
    group = len(names) * _BAR + _GAP
    baseline = _TOP + _PLOT_HEIGHT
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for g, (row, values) in enumerate(zip(shown, data, strict=True)):
        left = _LEFT + _GAP / 2 + g * group
        for i, (name, value) in enumerate(values):
            height = value * scale
            colour = _PALETTE[i % len(_PALETTE)]
            title = f"{row['client_name']}: {name} {value}"
            bars.append(Bar(left + i * _BAR, baseline - height, height, colour, title))
        labels.append((left + len(values) * _BAR / 2, str(row["client_name"])[:18]))
    steps = sorted({0, top // 4, top // 2, (3 * top) // 4, top})
    ticks = [(baseline - s * scale, s) for s in steps]
    width = _LEFT + len(shown) * group + _GAP / 2
    legend = [(name, _PALETTE[i % len(_PALETTE)]) for i, name in enumerate(names)]
    return Chart(
        width=max(width, 360),
        height=baseline + _BOTTOM,
        bars=bars,
        labels=labels,
        ticks=ticks,
        legend=legend,
        baseline=baseline,
        plot_left=_LEFT,
        plot_right=max(width, 360),
    )


@router.get("/reports/clients")
async def report_by_client(request: Request) -> Response:
    session = current_session(request)
    q = request.query_params
    chosen = [v for v in q.getlist("client_id") if v]
    filters = {k: q.get(k, "").strip() for k in ("industry", "from", "to")}
    context: dict[str, Any] = {"filters": filters, "chosen": chosen}
    async with console_api(request, session.token) as api:
        context["industries"] = await industries(api)
        try:
            clients = await api.call("GET", f"{ADMIN}/clients", params={"limit": 500})
            context["clients"] = clients["items"]
        except ApiError as refused:
            if refused.status == 401:
                raise
            context["clients"] = []
        try:
            report = await api.call(
                "GET", f"{ADMIN}/reports/clients", params={**filters, "client_id": chosen, "limit": REPORT_ROWS}
            )
        except ApiError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            report, context["error"] = {"items": [], "total": 0}, refused
    context["report"] = report
    context["chart"] = chart(report["items"])
    context["chart_clients"] = CHART_CLIENTS
    context["types"] = TRAINING_TYPES
    return render(request, "clients/report_clients.html", context, session=session)


@router.get("/reports/classes/{class_id}")
async def report_by_class(request: Request, class_id: str) -> Response:
    session = current_session(request)
    training_class = path_id(class_id, "class")
    async with console_api(request, session.token) as api:
        report = await api.call("GET", f"{ADMIN}/reports/classes/{training_class}")
    return render(request, "clients/report_class.html", {"report": report}, session=session)
