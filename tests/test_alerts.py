"""The alerts (PrometheusRule) and the Grafana dashboard of the prod overlay, against what the
services really expose.

Each service's app is built in a process of its own (its bootstrap, unreachable database and
Kafka: nothing connects) and ``/metrics`` is scraped through httpx's ASGITransport, so a metric
counts only if that service serves it. The PromQL of every alert, dashboard panel, annotation
and variable is taken apart with a small tokenizer (metric names, label matchers, grouping
labels, functions): every metric must be exposed, every label must exist on it (or be one the
ServiceMonitor's scrape adds), every function must be PromQL's. Then the runbook: each alert's
``runbook_url`` leads to its own section of docs/operations.md's "## Alerts".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_k8s_manifests import ROOT, SERVICES, of_kind, render

DASHBOARD = ROOT / "deploy/k8s/overlays/prod/monitoring/trainyard-dashboard.json"
OPERATIONS = ROOT / "docs/operations.md"

# Labels Prometheus adds to every scraped series through the ServiceMonitor (and `le` of buckets).
TARGET_LABELS = {"namespace", "service", "pod", "job", "instance", "endpoint", "container"}
# Series Prometheus itself makes: the scrape's health and the alerts' state.
BUILTIN_SERIES = {
    "up": {"service", "namespace", "pod", "job", "instance"},
    "ALERTS": {"alertname", "alertstate", "severity", "topic", "route", "method"},
}
FUNCTIONS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "deriv", "delta", "histogram_quantile",
    "max_over_time", "min_over_time", "avg_over_time", "absent", "clamp_min", "topk",
    "label_values",  # Grafana's variable query
}  # fmt: skip
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}

# What the issue asks the alerts to watch, and the metric each one must read.
REQUIRED_ALERTS = {
    "TrainyardConsumerLagGrowing": {"trainyard_consumer_lag"},
    "TrainyardDeadLetters": {"trainyard_dead_letters_total"},
    "TrainyardOutboxOldestRowStale": {"trainyard_outbox_oldest_age_seconds"},
    "TrainyardRelayNotPublishing": {"trainyard_outbox_backlog", "trainyard_messages_published_total"},
    "TrainyardErasureReceiptsMissing": {"trainyard_erasures_awaiting_receipts"},
    "TrainyardHttpErrorRate": {"trainyard_http_requests_total"},
}
# The figures the fault suite reports, each on a dashboard panel.
DASHBOARD_FIGURES = {
    "trainyard_messages_consumed_total",
    "trainyard_messages_published_total",
    "trainyard_consumer_lag",
    "trainyard_dead_letters_total",
    "trainyard_outbox_backlog",
    "trainyard_outbox_oldest_age_seconds",
    "trainyard_handler_failures_total",
    "trainyard_http_requests_total",
    "trainyard_http_request_seconds_bucket",
}

SCRAPE = textwrap.dedent(
    """
    import asyncio, importlib, json, sys
    import httpx
    from prometheus_client import REGISTRY
    from trainyard_common.settings import ServiceSettings

    async def main(module):
        nowhere = "postgresql://nobody:none@127.0.0.1:9/none"  # never connected to
        settings = ServiceSettings(database_url=nowhere, kafka_bootstrap="127.0.0.1:9")
        runtime, _ = importlib.import_module(module + ".bootstrap").bootstrap(settings)
        transport = httpx.ASGITransport(app=runtime.metrics_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            response = await client.get("/metrics")
        response.raise_for_status()
        labels = {
            name: list(getattr(collector, "_labelnames", ()))
            for collector, names in REGISTRY._collector_to_names.items()
            for name in names
        }
        print(json.dumps({"metrics": response.text, "labels": labels}))

    asyncio.run(main(sys.argv[1]))
    """
)


@dataclass(frozen=True)
class Exposed:
    """Sample names a service serves on /metrics, with their label names."""

    labels: dict[str, set[str]]


def scrape(service: str) -> Exposed:
    module = service.replace("-", "_")
    result = subprocess.run(
        [sys.executable, "-c", SCRAPE, module], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    assert result.returncode == 0, f"{service}: {result.stderr[-3000:]}"
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    served: set[str] = set()
    for line in answer["metrics"].splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            suffixes = {"histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}.get(kind, ("",))
            served |= {name + suffix for suffix in suffixes}
    registered = {name: set(labels) for name, labels in answer["labels"].items()}
    assert served <= registered.keys(), "the registry knows every sample /metrics serves"
    return Exposed({name: registered[name] | ({"le"} if name.endswith("_bucket") else set()) for name in served})


@pytest.fixture(scope="module")
def exposed() -> dict[str, Exposed]:
    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        return dict(zip(SERVICES, pool.map(scrape, SERVICES), strict=True))


@pytest.fixture(scope="module")
def all_exposed(exposed: dict[str, Exposed]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for service in exposed.values():
        for name, labels in service.labels.items():
            merged.setdefault(name, set()).update(labels)
    return merged


@pytest.fixture(scope="module")
def alerts() -> dict[str, dict[str, Any]]:
    [rule] = of_kind(render("prod"), "PrometheusRule").values()
    return {alert["alert"]: alert for group in rule["spec"]["groups"] for alert in group["rules"]}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_expressions(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r}", target["expr"]
    for annotation in board["annotations"]["list"]:
        yield f"annotation {annotation['name']!r}", annotation["expr"]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            yield f"variable {variable['name']!r}", variable["query"]["query"]


# ---- a small PromQL reader ----------------------------------------------------------------------


@dataclass
class Parsed:
    metrics: dict[str, set[str]] = field(default_factory=dict)
    """Metric name -> the label names its selectors match on."""
    grouping: set[str] = field(default_factory=set)
    """Labels of by / without / on / ignoring / group_left / group_right."""
    functions: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def parse(expr: str) -> Parsed:
    parsed = Parsed()
    assert expr.count("(") == expr.count(")"), expr
    assert expr.count("{") == expr.count("}"), expr
    text = _STRING.sub('""', expr)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges: [5m], [$__rate_interval]
    text = re.sub(r"\boffset\s+\d+[smhdwy]\b", " ", text)
    text = re.sub(r"\$\w+", "", text)  # Grafana variables (outside strings)

    def grouping(match: re.Match[str]) -> str:
        parsed.grouping.update(label.strip() for label in match.group(2).split(",") if label.strip())
        return " "

    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", grouping, text)

    def selector(match: re.Match[str]) -> str:
        name, matchers = match.group(1), match.group(2) or ""
        labels = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", matchers))
        parsed.metrics.setdefault(name, set()).update(labels)
        return " "

    name = r"(?<![A-Za-z0-9_:])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])"
    text = re.sub(name + r"\s*(?:\{([^}]*)\})?(?!\s*\()", _keep_keywords(selector), text)
    for function in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text):
        parsed.functions.add(function)
    leftover = _IDENTIFIER.findall(re.sub(r"[A-Za-z_][A-Za-z0-9_]*\s*\(", "(", text))
    parsed.unknown = [token for token in leftover if token not in KEYWORDS]
    return parsed


def _keep_keywords(selector: Any) -> Any:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) in KEYWORDS or match.group(1) in {"inf", "nan", "Inf", "NaN"}:
            return f" {match.group(1)} " if match.group(1) in KEYWORDS else " "
        return str(selector(match))

    return replace


def test_the_promql_reader_finds_metrics_labels_and_functions() -> None:
    parsed = parse(
        'sum by (namespace, service) (rate(trainyard_a_total{status=~"5..", route="/x{y}"}[5m]))'
        " / on (service) group_left max by (service) (trainyard_b offset 10m) > 0.5"
        " and histogram_quantile(0.99,"
        ' sum by (le) (rate(trainyard_c_bucket{namespace="$namespace"}[$__rate_interval])))'
        " unless trainyard_d"
    )
    assert parsed.metrics == {
        "trainyard_a_total": {"status", "route"},
        "trainyard_b": set(),
        "trainyard_c_bucket": {"namespace"},
        "trainyard_d": set(),
    }
    assert parsed.grouping == {"namespace", "service", "le"}
    assert parsed.functions == {"sum", "rate", "max", "histogram_quantile"}
    assert parsed.unknown == []
    assert parse("label_values(trainyard_e, namespace)").metrics == {"trainyard_e": set(), "namespace": set()}


# ---- alerts -------------------------------------------------------------------------------------


def check_expression(where: str, expr: str, exposed: dict[str, set[str]], *, label_arguments: bool = False) -> Parsed:
    parsed = parse(expr)
    assert not parsed.unknown, f"{where}: cannot read {parsed.unknown} in {expr}"
    assert parsed.functions <= FUNCTIONS, f"{where}: unknown functions {parsed.functions - FUNCTIONS}"
    metrics = dict(parsed.metrics)
    if label_arguments:  # label_values(metric, label): the second argument is a label
        metrics = {m: labels for m, labels in metrics.items() if m in exposed or m in BUILTIN_SERIES}
        parsed.grouping |= set(parsed.metrics) - set(metrics)
    available: set[str] = set(TARGET_LABELS)
    for metric, labels in metrics.items():
        known = BUILTIN_SERIES.get(metric)
        if known is None:
            assert metric in exposed, f"{where}: {metric} is not exposed by any service"
            known = exposed[metric] | TARGET_LABELS
        else:
            known = known | TARGET_LABELS
        assert labels <= known, f"{where}: {metric} has no label {labels - known}"
        available |= known
    assert parsed.grouping <= available, f"{where}: no metric here has label {parsed.grouping - available}"
    return parsed


def test_every_alert_reads_metrics_the_services_expose(
    alerts: dict[str, dict[str, Any]], all_exposed: dict[str, set[str]]
) -> None:
    for name, alert in alerts.items():
        parsed = check_expression(f"alert {name}", alert["expr"], all_exposed)
        assert parsed.metrics, name


def test_the_issue_s_alerts_are_there_and_read_the_right_metrics(alerts: dict[str, dict[str, Any]]) -> None:
    for name, metrics in REQUIRED_ALERTS.items():
        assert name in alerts, f"missing alert {name}"
        assert metrics <= parse(alerts[name]["expr"]).metrics.keys(), name
    assert 'older_than="1h"' in alerts["TrainyardErasureReceiptsMissing"]["expr"]
    assert 'status=~"5.."' in alerts["TrainyardHttpErrorRate"]["expr"]
    assert "route" in parse(alerts["TrainyardHttpErrorRate"]["expr"]).grouping, "the error rate is per route"


def test_the_erasure_gauge_is_customer_account_s(exposed: dict[str, Exposed]) -> None:
    for service, metrics in exposed.items():
        assert ("trainyard_erasures_awaiting_receipts" in metrics.labels) == (service == "customer-account")
    assert exposed["customer-account"].labels["trainyard_erasures_awaiting_receipts"] == {"older_than"}


def test_every_service_exposes_the_messaging_and_http_metrics(exposed: dict[str, Exposed]) -> None:
    common = DASHBOARD_FIGURES | {"trainyard_outbox_relay_failures_total", "trainyard_handler_seconds_bucket"}
    for service, metrics in exposed.items():
        assert common <= metrics.labels.keys(), f"{service} lacks {common - metrics.labels.keys()}"


def test_the_target_down_alert_names_every_service(alerts: dict[str, dict[str, Any]]) -> None:
    [services] = re.findall(r'service=~"([^"]+)"', alerts["TrainyardTargetDown"]["expr"])
    assert sorted(services.split("|")) == SERVICES


# ---- dashboard ----------------------------------------------------------------------------------


def test_every_dashboard_query_reads_metrics_the_services_expose(all_exposed: dict[str, set[str]]) -> None:
    for where, expr in dashboard_expressions(dashboard()):
        check_expression(f"dashboard {where}", expr, all_exposed, label_arguments=where.startswith("variable"))


def test_the_dashboard_shows_the_fault_suite_s_figures() -> None:
    board = dashboard()
    shown: set[str] = set()
    for where, expr in dashboard_expressions(board):
        if where.startswith("panel"):
            shown |= parse(expr).metrics.keys()
    assert shown >= DASHBOARD_FIGURES, f"no panel for {DASHBOARD_FIGURES - shown}"
    expressions = [expr for where, expr in dashboard_expressions(board) if where.startswith("panel")]
    assert any('status=~"5.."' in e and "/" in e for e in expressions), "an HTTP error ratio panel"
    assert any("histogram_quantile(0.99" in e and "trainyard_http_request_seconds_bucket" in e for e in expressions)
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    assert board["uid"]
    assert board["title"]
    variables = {v["name"] for v in board["templating"]["list"]}
    for where, expr in dashboard_expressions(board):
        used = set(re.findall(r"\$(\w+)", expr)) - {"__rate_interval"}
        assert used <= variables, f"{where} uses undefined variables {used - variables}"


# ---- runbook ------------------------------------------------------------------------------------


def github_anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def alerts_section() -> str:
    text = OPERATIONS.read_text()
    assert "\n## Alerts\n" in text, "docs/operations.md has an '## Alerts' section"
    section = text.split("\n## Alerts\n", 1)[1]
    return re.split(r"\n## ", section, maxsplit=1)[0]


def test_every_alert_has_its_runbook_section(alerts: dict[str, dict[str, Any]]) -> None:
    section = alerts_section()
    runbooks = dict(re.findall(r"^### ([^\n]+)\n(.*?)(?=^### |\Z)", section, flags=re.MULTILINE | re.DOTALL))
    anchors = {github_anchor(heading): heading for heading in runbooks}
    for name, alert in alerts.items():
        url = alert["annotations"]["runbook_url"]
        assert url.startswith("https://"), name
        assert "/docs/operations.md#" in url, name
        fragment = url.rsplit("#", 1)[1]
        assert fragment in anchors, f"{name}: no section #{fragment} under '## Alerts'"
        heading = anchors[fragment]
        assert name in heading, (name, heading)
        body = runbooks[heading]
        for part in ("**What it means**", "**How to look**", "**What to do**"):
            assert part in body, f"{name}'s runbook lacks {part}"
    assert set(runbooks) == set(alerts), "one section per alert, titled with its name"


@pytest.mark.parametrize("command", ["trainyard-dlq", "trainyard-offsets"])
def test_the_runbook_s_commands_exist(command: str) -> None:
    assert command in alerts_section()
    scripts = "".join(p.read_text() for p in (ROOT / "libs/common").glob("pyproject.toml"))
    assert f"{command} =" in scripts or f'"{command}"' in scripts, f"{command} is a console script of trainyard-common"


def test_alert_and_dashboard_files_are_where_the_overlay_takes_them() -> None:
    kustomization = (ROOT / "deploy/k8s/overlays/prod/kustomization.yaml").read_text()
    for path in (
        "monitoring/service-monitor.yaml",
        "monitoring/prometheus-rules.yaml",
        "monitoring/trainyard-dashboard.json",
    ):
        assert path in kustomization
        assert (Path(ROOT / "deploy/k8s/overlays/prod") / path).is_file()
