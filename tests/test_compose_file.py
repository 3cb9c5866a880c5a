"""docker-compose.yml runs every workspace service, healthy, after its migrations (parsed only)."""

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(tomllib.loads(p.read_text())["project"]["name"] for p in ROOT.glob("services/*/pyproject.toml"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: dep["condition"] for name, dep in service.get("depends_on", {}).items()}


def healthcheck_port(service: dict[str, Any]) -> int:
    found = re.search(r"127\.0\.0\.1:(\d+)/healthz", " ".join(service["healthcheck"]["test"]))
    assert found, service["healthcheck"]
    return int(found.group(1))


def test_the_workspace_has_services() -> None:
    assert {"client-directory", "customer-account", "gateway"} <= set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_is_built_from_the_one_dockerfile_and_healthchecked(compose: dict[str, Any], name: str) -> None:
    service = compose[name]
    # The port probed is the one the image is built to listen on (and exposes).
    args = {"SERVICE": name, "PORT": str(healthcheck_port(service))}
    assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile", "args": args}
    assert service["healthcheck"]["test"][0] == "CMD"


def test_the_dockerfile_listens_on_exposes_and_probes_its_port_argument() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "TRAINYARD_HTTP_PORT=${PORT}" in dockerfile
    assert "EXPOSE ${PORT}" in dockerfile
    assert 'os.environ[\\"TRAINYARD_HTTP_PORT\\"]}/healthz' in dockerfile


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_starts_after_its_migrations(compose: dict[str, Any], name: str) -> None:
    migrate = compose[f"migrate-{name}"]
    assert migrate["command"] == [name, "migrate"]
    assert migrate["build"] == compose[name]["build"]
    assert migrate["environment"] == compose[name]["environment"]
    assert conditions(migrate) == {"postgres": "service_healthy"}
    assert conditions(compose[name])[f"migrate-{name}"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_has_its_own_database(compose: dict[str, Any], name: str) -> None:
    url = urlsplit(compose[name]["environment"]["TRAINYARD_DATABASE_URL"])
    database = name.replace("-", "_")
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{database}")
    init_sql = (ROOT / "deploy" / "compose" / "init-databases.sql").read_text()
    assert f"CREATE DATABASE {database};" in init_sql


def test_domain_services_wait_for_kafka_and_the_topics(compose: dict[str, Any]) -> None:
    for name in set(SERVICES) - {"gateway"}:
        assert compose[name]["environment"]["TRAINYARD_KAFKA_BOOTSTRAP"] == "kafka:19092"
        assert conditions(compose[name])["kafka"] == "service_healthy"
        assert conditions(compose[name])["topics"] == "service_completed_successfully"
    assert compose["topics"]["command"] == ["trainyard-topics", "ensure"]


def test_gateway_publishes_8000_and_waits_for_every_service(compose: dict[str, Any]) -> None:
    gateway = compose["gateway"]
    assert "127.0.0.1:8000:8000" in gateway["ports"]
    assert healthcheck_port(gateway) == 8000
    for name in set(SERVICES) - {"gateway"}:
        assert conditions(gateway)[name] == "service_healthy"
        url = gateway["environment"][f"TRAINYARD_{name.upper().replace('-', '_')}_URL"]
        assert url == f"http://{name}:{healthcheck_port(compose[name])}"


def test_every_dependency_exists_and_is_healthchecked_or_one_shot(compose: dict[str, Any]) -> None:
    for service in compose.values():
        for name, condition in conditions(service).items():
            assert name in compose
            if condition == "service_healthy":
                assert "healthcheck" in compose[name]
            else:
                assert condition == "service_completed_successfully"
                assert compose[name]["restart"] == "no"


def test_kafka_is_a_single_kraft_node_without_topic_auto_creation(compose: dict[str, Any]) -> None:
    env = compose["kafka"]["environment"]
    assert compose["kafka"]["image"] == "apache/kafka:4.1.0"
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "INTERNAL://kafka:19092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(compose["kafka"]["healthcheck"]["test"])


def test_every_one_shot_is_awaited_by_a_long_running_service(compose: dict[str, Any]) -> None:
    """`docker compose up --wait` (make up) counts an exited one-shot as a failure unless adopted."""
    one_shots = {name for name, service in compose.items() if service.get("restart") == "no"}
    adopted = {
        name
        for service in compose.values()
        if service.get("restart") != "no"
        for name, condition in conditions(service).items()
        if condition == "service_completed_successfully"
    }
    assert one_shots == adopted
