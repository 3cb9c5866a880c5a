"""The prod overlay's Strimzi KafkaTopic manifest is generated from the one topic declaration."""

import re
from pathlib import Path

import pytest
import yaml

from trainyard_common.messaging import strimzi
from trainyard_common.messaging.topics import TopicSpec, all_topics

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / strimzi.MANIFEST
# Kubernetes' DNS-1123 subdomain (what a custom resource's metadata.name must be), restated here.
DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@pytest.fixture(scope="module")
def committed() -> list[dict]:
    return [doc for doc in yaml.safe_load_all(COMMITTED.read_text()) if doc is not None]


def test_the_committed_manifest_is_the_rendering_of_the_declaration() -> None:
    assert COMMITTED.read_text() == strimzi.render(), (
        f"{COMMITTED.relative_to(ROOT)} drifted from topics.all_topics(): run `make topics-manifest`"
    )


def test_the_hand_written_yaml_parses_back_to_the_resources() -> None:
    assert [d for d in yaml.safe_load_all(strimzi.render()) if d is not None] == strimzi.kafka_topics()


def test_every_declared_topic_has_one_kafka_topic(committed: list[dict]) -> None:
    by_topic = {doc["spec"]["topicName"]: doc for doc in committed}
    assert len(by_topic) == len(committed)
    declared = all_topics()
    assert [doc["spec"]["topicName"] for doc in committed] == [spec.name for spec in declared]
    assert any(spec.name.endswith(".DLQ") for spec in declared)
    for spec in declared:
        doc = by_topic[spec.name]
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert doc["kind"] == "KafkaTopic"
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == "trainyard-kafka"
        assert doc["spec"]["partitions"] == spec.partitions
        assert doc["spec"]["replicas"] == 3
        assert doc["spec"]["config"] == {
            "retention.ms": str(spec.retention_ms),
            "cleanup.policy": spec.cleanup_policy,
            "min.insync.replicas": "2",
        }


def test_names_are_valid_unique_kubernetes_names(committed: list[dict]) -> None:
    names = [doc["metadata"]["name"] for doc in committed]
    assert len(set(names)) == len(names)
    for name in names:
        assert DNS_1123.fullmatch(name), name
        assert len(name) <= 253, name


@pytest.mark.parametrize(
    ("topic", "name"),
    [
        ("UserRegistered", "userregistered"),
        ("UserRegistered.DLQ", "userregistered-dlq"),
        ("UserRegistered.v2", "userregistered-v2"),
        ("test_1234.UserRegistered.DLQ", "test-1234-userregistered-dlq"),
    ],
)
def test_resource_name(topic: str, name: str) -> None:
    assert strimzi.resource_name(topic) == name


def test_topics_that_would_share_a_name_are_refused() -> None:
    with pytest.raises(ValueError, match="same Kubernetes name"):
        strimzi.kafka_topics([TopicSpec("Orders.DLQ"), TopicSpec("orders_dlq")])
    with pytest.raises(ValueError, match="no valid Kubernetes name"):
        strimzi.resource_name("...")


def test_main_writes_and_check_detects_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kafka-topics.yaml"
    assert strimzi.main(["--check", "--output", str(target)]) == 1  # missing
    assert strimzi.main(["--output", str(target)]) == 0
    assert target.read_text() == strimzi.render()
    assert strimzi.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text().replace('min.insync.replicas: "2"', 'min.insync.replicas: "1"', 1))
    assert strimzi.main(["--check", "--output", str(target)]) == 1
    assert "make topics-manifest" in capsys.readouterr().err


def test_check_passes_on_the_committed_file() -> None:
    assert strimzi.main(["--check", "--output", str(COMMITTED)]) == 0
