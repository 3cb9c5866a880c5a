"""The Kubernetes manifests (deploy/k8s), rendered by the pinned kustomize and checked offline.

Each overlay is rendered with ``deploy/k8s/render.sh`` (which builds kustomize with Go on first
use, into .cache/bin: about a minute once, then instant), every object is validated against the
Kubernetes 1.30 OpenAPI schemas in strict mode (``kubernetes_validate``), and the deployment
rules are asserted: probes, resources, a locked-down security context, one Service, PDB and
migration Job per service, the NetworkPolicy model (only the gateway is reachable from outside),
no committed Secret, a KafkaTopic per declared topic in prod.
"""

import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from trainyard_common.messaging.strimzi import resource_name
from trainyard_common.messaging.topics import all_topics

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"
SERVICES = sorted(tomllib.loads(p.read_text())["project"]["name"] for p in ROOT.glob("services/*/pyproject.toml"))
PORTS = {
    "gateway": 8000,
    "client-directory": 8001,
    "customer-account": 8002,
    "commerce-access": 8003,
    "training-progress": 8004,
}
METRICS_PORT = 9100  # every server's /metrics (TRAINYARD_METRICS_PORT), the only port Prometheus reaches
OVERLAYS = {"dev": "trainyard-dev", "prod": "trainyard"}
REPLICAS = {"dev": 1, "prod": 3}
CLUSTER_SCOPED = {"Namespace"}
CUSTOM_RESOURCES = {"KafkaTopic", "ServiceMonitor", "PrometheusRule"}

Doc = dict[str, Any]

# The first render builds kustomize (1-2 minutes on an empty Go cache): more than the usual 300 s margin.
pytestmark = pytest.mark.timeout(900)


def render(overlay: str) -> list[Doc]:
    result = subprocess.run(
        ["bash", str(K8S / "render.sh"), overlay], capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, f"render.sh {overlay} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Doc]]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


@pytest.fixture(params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def docs(rendered: dict[str, list[Doc]], overlay: str) -> list[Doc]:
    return rendered[overlay]


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    found = [d for d in docs if d["kind"] == kind]
    by_name = {d["metadata"]["name"]: d for d in found}
    assert len(by_name) == len(found), f"duplicate {kind} names"
    return by_name


def config_map(docs: list[Doc], name: str) -> dict[str, str]:
    return of_kind(docs, "ConfigMap")[name]["data"]


def pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job"}:
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def environment(docs: list[Doc], container: Doc) -> dict[str, Any]:
    """The container's environment: ConfigMap values as strings, secretKeyRefs as (secret, key)."""
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        env.update(config_map(docs, source["configMapRef"]["name"]))
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = (ref["name"], ref["key"])
    return env


# ---- rendering and schemas ----------------------------------------------------------------------


def test_every_workspace_service_is_deployed(docs: list[Doc]) -> None:
    assert set(SERVICES) == set(PORTS), "a new service needs its port here and manifests in deploy/k8s/base"
    assert set(of_kind(docs, "Deployment")) == set(SERVICES)


def test_every_object_is_valid_for_kubernetes(docs: list[Doc]) -> None:
    kinds = set()
    for doc in docs:
        kinds.add(doc["kind"])
        if doc["kind"] in CUSTOM_RESOURCES:  # CRDs: their shape is asserted by the tests of each kind
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    assert kinds <= {
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Service",
        "Job",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "KafkaTopic",
        "ServiceMonitor",
        "PrometheusRule",
    }


def test_every_object_is_labelled_and_in_the_overlay_namespace(docs: list[Doc], overlay: str) -> None:
    namespace = OVERLAYS[overlay]
    assert set(of_kind(docs, "Namespace")) == {namespace}
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "trainyard", doc["metadata"]["name"]
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]


def test_no_secret_is_rendered_or_committed(docs: list[Doc]) -> None:
    assert not [d for d in docs if d["kind"] == "Secret"], "Secrets are created in the cluster, not committed"
    for path in K8S.rglob("*.y*ml"):
        for doc in yaml.safe_load_all(path.read_text()):
            assert not (isinstance(doc, dict) and doc.get("kind") == "Secret"), f"{path} commits a Secret"
            assert not (isinstance(doc, dict) and "secretGenerator" in doc), f"{path} generates a Secret"


# ---- Deployments --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_probes_and_ports(docs: list[Doc], overlay: str, name: str) -> None:
    deployment = of_kind(docs, "Deployment")[name]
    assert deployment["spec"]["replicas"] == REPLICAS[overlay]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 30
    [container] = pod["containers"]
    ports = [(p["name"], p["containerPort"]) for p in container["ports"]]
    assert ports == [("http", PORTS[name]), ("metrics", METRICS_PORT)], "/metrics on a port of its own (issue 15)"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"]["port"] == "http"
    assert container["command"] == [name, "serve"]
    image, _, tag = container["image"].partition(":")
    assert image == f"trainyard/{name}"
    assert tag, "the overlay's images: sets the tag"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == name
    assert labels["app.kubernetes.io/part-of"] == "trainyard"


def test_every_pod_is_locked_down(docs: list[Doc]) -> None:
    """Deployments and Jobs alike: the "restricted" Pod Security Standard and then some."""
    for where, pod in pod_specs(docs):
        assert pod["automountServiceAccountToken"] is False, where
        mounts = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in pod["containers"]:
            effective = pod.get("securityContext", {}) | container.get("securityContext", {})
            assert effective["runAsNonRoot"] is True, where
            assert effective["runAsUser"] == 10001, where
            assert effective["seccompProfile"] == {"type": "RuntimeDefault"}, where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert {(m["mountPath"], m["name"] in mounts) for m in container["volumeMounts"]} == {("/tmp", True)}
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}, where


def test_prod_gets_more_resources_than_dev(rendered: dict[str, list[Doc]]) -> None:
    def memory_mi(docs: list[Doc]) -> int:
        limits = {
            d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
            for d in of_kind(docs, "Deployment").values()
        }
        [limit] = limits
        assert limit.endswith("Mi")
        return int(limit.removesuffix("Mi"))

    assert memory_mi(rendered["prod"]) > memory_mi(rendered["dev"])


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_configuration_and_secrets(docs: list[Doc], overlay: str, name: str) -> None:
    [container] = of_kind(docs, "Deployment")[name]["spec"]["template"]["spec"]["containers"]
    env = environment(docs, container)
    assert env["TRAINYARD_ENVIRONMENT"] == ("production" if overlay == "prod" else "development")
    assert env["TRAINYARD_KAFKA_BOOTSTRAP"]
    assert env["TRAINYARD_HTTP_HOST"] == "0.0.0.0"
    assert env["TRAINYARD_HTTP_PORT"] == str(PORTS[name])
    assert env["TRAINYARD_MIGRATE_ON_START"] == "false"
    assert env["TRAINYARD_LOG_LEVEL"]
    assert env["TRAINYARD_DATABASE_URL"] == (f"{name}-secrets", "TRAINYARD_DATABASE_URL")
    if name == "gateway":
        for other in SERVICES:
            if other != "gateway":
                assert env[f"TRAINYARD_{other.upper().replace('-', '_')}_URL"] == f"http://{other}:{PORTS[other]}"
        for key in ("TRAINYARD_ADMIN_USERNAME", "TRAINYARD_ADMIN_PASSWORD"):
            assert env[key] == ("gateway-secrets", key)
    elif name != "customer-account":  # the consumers of sealed personal fields fetch customer keys
        assert env["TRAINYARD_CUSTOMER_ACCOUNT_URL"] == "http://customer-account:8002"
    secrets = {v[0] for v in env.values() if isinstance(v, tuple)}
    assert secrets == {f"{name}-secrets"}


# ---- Service, PDB, migration Job, HPA -----------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_has_a_service_a_pdb_and_a_migration_job(docs: list[Doc], name: str) -> None:
    deployment = of_kind(docs, "Deployment")[name]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]

    service = of_kind(docs, "Service")[name]
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        (PORTS[name], "http"),
        (METRICS_PORT, "metrics"),
    ]

    pdb = of_kind(docs, "PodDisruptionBudget")[name]
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]

    job = of_kind(docs, "Job")[f"{name}-migrate"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    [server] = deployment["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == [name, "migrate"]
    assert migrate["image"] == server["image"]
    assert environment(docs, migrate) == environment(docs, server)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # Neither the Service nor the PDB counts the migration pod as a server.
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    assert not service["spec"]["selector"].items() <= job_labels.items()


def test_the_gateway_autoscales_on_cpu(docs: list[Doc], overlay: str) -> None:
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {"gateway"}
    hpa = hpas["gateway"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
    ]
    expected = {"dev": (1, 2), "prod": (3, 10)}[overlay]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == expected


# ---- NetworkPolicies ----------------------------------------------------------------------------

OUTSIDE = "outside the cluster"


def matches(selector: Doc, labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "the evaluator below understands matchLabels only"
    return selector.get("matchLabels", {}).items() <= labels.items()


def peer_matches(peer: Doc, source: tuple[str, dict[str, str], dict[str, str]] | str, namespace: str) -> bool:
    assert set(peer) <= {"podSelector", "namespaceSelector"}, "no ipBlock expected"
    if source == OUTSIDE:
        return False
    source_namespace, namespace_labels, pod_labels = source
    if "namespaceSelector" in peer:
        namespace_ok = matches(peer["namespaceSelector"], namespace_labels)
    else:
        namespace_ok = source_namespace == namespace
    return namespace_ok and matches(peer.get("podSelector", {}), pod_labels)


def allowed(docs: list[Doc], namespace: str, target: dict[str, str], port: int, source: Any) -> bool:
    """Whether `source` may open a connection to `port` of a pod labelled `target` (ingress only)."""
    selecting = [p for p in of_kind(docs, "NetworkPolicy").values() if matches(p["spec"]["podSelector"], target)]
    if not selecting:
        return True
    for policy in selecting:
        assert "Ingress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("ingress", []):
            ports = rule.get("ports")
            port_ok = not ports or any(p["port"] == port and p.get("protocol", "TCP") == "TCP" for p in ports)
            peers = rule.get("from")
            peer_ok = not peers or any(peer_matches(peer, source, namespace) for peer in peers)
            if port_ok and peer_ok:
                return True
    return False


def test_ingress_is_denied_by_default(docs: list[Doc]) -> None:
    policy = of_kind(docs, "NetworkPolicy")["default-deny-ingress"]
    assert policy["spec"]["podSelector"] == {}
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert not policy["spec"].get("ingress")


def test_only_the_gateway_is_reachable_from_outside(docs: list[Doc], overlay: str) -> None:
    namespace = OVERLAYS[overlay]
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in (of_kind(docs, "Deployment") | of_kind(docs, "Job")).items()
    }
    stranger_here = (namespace, {"kubernetes.io/metadata.name": namespace}, {"app.kubernetes.io/name": "debug"})
    elsewhere = ("default", {"kubernetes.io/metadata.name": "default"}, {"app.kubernetes.io/name": "gateway"})
    gateway = (namespace, {"kubernetes.io/metadata.name": namespace}, pods["gateway"])
    prometheus = ("monitoring", {"kubernetes.io/metadata.name": "monitoring"}, {"app.kubernetes.io/name": "prom"})
    for name, labels in pods.items():
        port = PORTS.get(name, 8000)
        for source in (OUTSIDE, stranger_here, elsewhere):
            assert allowed(docs, namespace, labels, port, source) == (name == "gateway"), (name, source)
        assert not allowed(docs, namespace, labels, 5432, OUTSIDE), name
        if name in PORTS:  # a server: the gateway reaches its API port, Prometheus its metrics port only
            assert allowed(docs, namespace, labels, port, gateway), name
            assert allowed(docs, namespace, labels, METRICS_PORT, prometheus), name
            assert name == "gateway" or not allowed(docs, namespace, labels, port, prometheus), name
            assert not allowed(docs, namespace, labels, METRICS_PORT, OUTSIDE), name
            assert name == "gateway" or not allowed(docs, namespace, labels, port + 100, gateway), name
        else:  # a Job accepts nothing
            assert not allowed(docs, namespace, labels, port, gateway), name


def test_only_the_consuming_services_reach_customer_account_besides_the_gateway(docs: list[Doc], overlay: str) -> None:
    namespace = OVERLAYS[overlay]
    pods = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in of_kind(docs, "Deployment").items()}
    here = {"kubernetes.io/metadata.name": namespace}
    for name, labels in pods.items():
        reaches = allowed(
            docs, namespace, pods["customer-account"], PORTS["customer-account"], (namespace, here, labels)
        )
        assert reaches == (name != "customer-account"), name  # the gateway and the three consumers (customer keys)
        if name not in ("gateway", "customer-account"):
            for other in ("client-directory", "commerce-access", "training-progress"):
                if other != name:
                    assert not allowed(docs, namespace, pods[other], PORTS[other], (namespace, here, labels)), name


# ---- topics -------------------------------------------------------------------------------------


def test_dev_creates_topics_with_a_job_and_has_no_kafka_topics(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["dev"]
    assert not of_kind(docs, "KafkaTopic")
    [container] = of_kind(docs, "Job")["trainyard-topics"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["trainyard-topics", "ensure"]
    assert environment(docs, container)["TRAINYARD_KAFKA_BOOTSTRAP"]
    assert "trainyard-topics" not in of_kind(rendered["prod"], "Job")


def test_prod_has_a_kafka_topic_for_every_declared_topic(rendered: dict[str, list[Doc]]) -> None:
    topics = of_kind(rendered["prod"], "KafkaTopic")
    declared = all_topics()
    assert {t["spec"]["topicName"] for t in topics.values()} == {s.name for s in declared}
    for spec in declared:
        topic = topics[resource_name(spec.name)]
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "trainyard-kafka"
        assert topic["metadata"]["namespace"] == "trainyard"
        assert set(topic["spec"]) == {"topicName", "partitions", "replicas", "config"}
        assert topic["spec"]["topicName"] == spec.name
        assert topic["spec"]["partitions"] == spec.partitions
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"] == {
            "min.insync.replicas": "2",
            "retention.ms": str(spec.retention_ms),
            "cleanup.policy": spec.cleanup_policy,
        }


# ---- docker compose -----------------------------------------------------------------------------


def compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not compose_available(), reason="`docker compose version` fails: no Docker Compose plugin here")
def test_docker_compose_file_is_valid() -> None:
    result = subprocess.run(
        ["docker", "compose", "--file", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


# ---- monitoring (Prometheus operator, Grafana); the alert expressions: tests/test_alerts.py ---------


def test_only_prod_ships_monitoring(rendered: dict[str, list[Doc]]) -> None:
    for kind in ("ServiceMonitor", "PrometheusRule"):
        assert set(of_kind(rendered["prod"], kind)) == {"trainyard"}
        assert not of_kind(rendered["dev"], kind), "dev clusters need not run the Prometheus operator"
    assert "trainyard-dashboard" not in of_kind(rendered["dev"], "ConfigMap")


def test_the_service_monitor_scrapes_every_server(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["prod"]
    monitor = of_kind(docs, "ServiceMonitor")["trainyard"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) == {"jobLabel", "selector", "endpoints"}
    assert set(monitor["spec"]["selector"]) == {"matchLabels"}
    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/name"
    scraped = {
        name
        for name, service in of_kind(docs, "Service").items()
        if matches(monitor["spec"]["selector"], service["metadata"]["labels"])
    }
    assert scraped == set(SERVICES)
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics"  # the Services' metrics port, apart from the API (issue 15)
    assert all("metrics" in {p["name"] for p in s["spec"]["ports"]} for s in of_kind(docs, "Service").values())
    assert endpoint["path"] == "/metrics"
    assert endpoint["interval"].endswith("s")
    assert endpoint["scrapeTimeout"].endswith("s")
    assert int(endpoint["scrapeTimeout"][:-1]) < int(endpoint["interval"][:-1])


def test_the_prometheus_rule_is_well_formed(rendered: dict[str, list[Doc]]) -> None:
    rule = of_kind(rendered["prod"], "PrometheusRule")["trainyard"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(rule["spec"]) == {"groups"}
    names: list[str] = []
    for group in rule["spec"]["groups"]:
        assert set(group) == {"name", "rules"}, group.get("name")
        assert group["rules"], group["name"]
        for alert in group["rules"]:
            assert set(alert) <= {"alert", "expr", "for", "labels", "annotations"}, alert
            assert alert["alert"].startswith("Trainyard"), alert
            assert alert["expr"].strip(), alert
            assert alert["labels"]["severity"] in {"critical", "warning"}, alert["alert"]
            assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}, alert["alert"]
            assert "for" not in alert or re.fullmatch(r"\d+[sm]", alert["for"]), alert["alert"]
            names.append(alert["alert"])
    assert len(names) == len(set(names)), "duplicate alert names"
    assert len({g["name"] for g in rule["spec"]["groups"]}) == len(rule["spec"]["groups"])


def test_the_grafana_dashboard_ships_as_a_config_map(rendered: dict[str, list[Doc]]) -> None:
    dashboard = of_kind(rendered["prod"], "ConfigMap")["trainyard-dashboard"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    [(file_name, content)] = dashboard["data"].items()
    assert file_name.endswith(".json")
    assert json.loads(content) == json.loads((K8S / "overlays/prod/monitoring" / file_name).read_text())
