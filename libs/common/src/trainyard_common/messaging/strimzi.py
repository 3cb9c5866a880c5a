"""Strimzi ``KafkaTopic`` resources rendered from the one topic declaration (``topics.all_topics``).

In production the Strimzi Topic Operator owns the topics; the declaration in ``topics.py``
stays the single source, and this module turns it into the committed manifest
``deploy/k8s/overlays/prod/kafka-topics.yaml``::

    python -m trainyard_common.messaging.strimzi            # (re)write the manifest
    python -m trainyard_common.messaging.strimzi --check    # exit 1 when the file has drifted

Topic names such as ``UserRegistered.DLQ`` are not valid Kubernetes object names, so
``metadata.name`` is a DNS-1123 form of it (``userregistered-dlq``) and ``spec.topicName``
carries the real name. The YAML is written by hand (the values are plain strings and
integers) so the library needs no YAML dependency; the output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeAlias

from trainyard_common.messaging.topics import TopicSpec, all_topics

API_VERSION = "kafka.strimzi.io/v1beta2"
CLUSTER = "trainyard-kafka"
REPLICAS = 3
MIN_INSYNC_REPLICAS = 2
MANIFEST = Path("deploy/k8s/overlays/prod/kafka-topics.yaml")
HEADER = (
    "# GENERATED from trainyard_common.messaging.topics.all_topics() -- do not edit by hand.\n"
    "# Regenerate: make topics-manifest   (drift is a test failure: tests/test_strimzi_topics.py)\n"
)

# A DNS-1123 subdomain: what Kubernetes accepts as metadata.name of a custom resource.
DNS_1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

# Strings written unquoted: they start with a letter and are no YAML 1.1 boolean or null.
PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})

Scalar: TypeAlias = str | int
Node: TypeAlias = "Scalar | Mapping[str, Node] | Sequence[Node]"


def resource_name(topic: str) -> str:
    """``UserRegistered.DLQ`` -> ``userregistered-dlq``: lower case, anything else than [a-z0-9] -> '-'."""
    name = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")
    if not name or len(name) > 253 or not DNS_1123_SUBDOMAIN.match(name):
        raise ValueError(f"topic {topic!r} has no valid Kubernetes name (got {name!r})")
    return name


def kafka_topic(spec: TopicSpec) -> dict[str, Node]:
    """One ``KafkaTopic`` for one declared topic."""
    config: dict[str, Node] = dict(spec.config())
    config["min.insync.replicas"] = str(MIN_INSYNC_REPLICAS)
    return {
        "apiVersion": API_VERSION,
        "kind": "KafkaTopic",
        "metadata": {
            "name": resource_name(spec.name),
            "labels": {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": "trainyard"},
        },
        "spec": {
            "topicName": spec.name,
            "partitions": spec.partitions,
            "replicas": REPLICAS,
            "config": dict(sorted(config.items())),
        },
    }


def kafka_topics(specs: Iterable[TopicSpec] | None = None) -> list[dict[str, Node]]:
    """Every declared topic (event topics and their DLQ twins), in declaration order."""
    resources = [kafka_topic(spec) for spec in (all_topics() if specs is None else specs)]
    names = [_metadata_name(r) for r in resources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"several topics map to the same Kubernetes name: {duplicates}")
    return resources


def _metadata_name(resource: Mapping[str, Node]) -> str:
    metadata = resource["metadata"]
    assert isinstance(metadata, Mapping)
    name = metadata["name"]
    assert isinstance(name, str)
    return name


def _scalar(value: Scalar) -> str:
    if isinstance(value, bool):  # never produced; refuse rather than write a YAML boolean
        raise TypeError("booleans are not expected in a KafkaTopic")
    if isinstance(value, int):
        return str(value)
    if PLAIN.fullmatch(value) and value.lower() not in YAML_WORDS:
        return value
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar ("2" stays a string)


def _key(key: str) -> str:
    return _scalar(key)


def _emit(node: Node, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, Mapping | list | tuple):
                lines.append(f"{pad}{_key(key)}:")
                lines.extend(_emit(value, indent + 2))
            else:
                assert isinstance(value, str | int)
                lines.append(f"{pad}{_key(key)}: {_scalar(value)}")
        return lines
    if isinstance(node, list | tuple):
        for item in node:
            if isinstance(item, Mapping | list | tuple):
                inner = _emit(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                assert isinstance(item, str | int)
                lines.append(f"{pad}- {_scalar(item)}")
        return lines
    raise TypeError(f"cannot emit {type(node).__name__} at the top level")


def render(specs: Iterable[TopicSpec] | None = None) -> str:
    """The multi-document YAML of every ``KafkaTopic``, header first."""
    documents = ["---\n" + "\n".join(_emit(resource, 0)) + "\n" for resource in kafka_topics(specs)]
    return HEADER + "".join(documents)


def _count(manifest: str) -> int:
    return manifest.count("\nkind: KafkaTopic\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m trainyard_common.messaging.strimzi",
        description="Write the Strimzi KafkaTopic manifest from the topic declaration.",
    )
    parser.add_argument("--output", type=Path, default=MANIFEST, help=f"default: {MANIFEST} (from the repo root)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file differs")
    args = parser.parse_args(argv)
    output: Path = args.output
    expected = render()
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != expected:
            print(f"{output} is out of date with topics.all_topics(): run `make topics-manifest`", file=sys.stderr)
            return 1
        print(f"{output} is up to date ({_count(expected)} topics)")
        return 0
    if not output.parent.is_dir():
        parser.error(f"{output.parent} does not exist (run from the repository root or pass --output)")
    output.write_text(expected, encoding="utf-8")
    print(f"wrote {output} ({_count(expected)} topics)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
