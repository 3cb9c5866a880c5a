"""``trainyard-topics ensure|list``: make a running cluster's topics match the declaration."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from trainyard_common.messaging.topics import TopicSpec, all_topics

TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


@dataclass(frozen=True, slots=True)
class TopicChanges:
    created: list[str]
    grown: list[str]
    reconfigured: list[str]


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], replication_factor: int = 1) -> list[str]:
    """Create the topics that do not exist yet; return their names (see ``apply_topics``)."""
    return (await apply_topics(bootstrap, specs, replication_factor)).created


async def apply_topics(bootstrap: str, specs: list[TopicSpec], replication_factor: int = 1) -> TopicChanges:
    """Make the cluster match the declaration, idempotently: create missing topics, add
    partitions where the declaration has more (Kafka never removes any), and set each existing
    topic's declared configuration (retention, cleanup policy)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="trainyard-topics")
    await admin.start()
    try:
        partition_counts = await _partition_counts(admin)
        missing = [s for s in specs if s.name not in partition_counts]
        created = await _create(admin, missing, replication_factor) if missing else []
        existing = [s for s in specs if s.name in partition_counts]
        grown = [s for s in existing if s.partitions > partition_counts[s.name]]
        if grown:
            await admin.create_partitions({s.name: NewPartitions(total_count=s.partitions) for s in grown})
        if existing:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, s.name, configs=s.config()) for s in existing]
            )
        return TopicChanges(created, [s.name for s in grown], [s.name for s in existing])
    finally:
        await admin.close()


async def _partition_counts(admin: AIOKafkaAdminClient) -> dict[str, int]:
    topics = await admin.describe_topics()
    return {t["topic"]: len(t["partitions"]) for t in topics if not t.get("error_code")}


async def _create(admin: AIOKafkaAdminClient, specs: list[TopicSpec], replication_factor: int) -> list[str]:
    """Create topics; one that appeared meanwhile (metadata lags behind) is not an error."""
    response = await admin.create_topics([_new_topic(s, replication_factor) for s in specs])
    errors = {e["topic"]: e for e in response.to_object()["topic_errors"] if e["error_code"]}
    failed = {t: e["error_message"] for t, e in errors.items() if e["error_code"] != TOPIC_ALREADY_EXISTS}
    if failed:
        raise RuntimeError(f"could not create topics: {failed}")
    return [s.name for s in specs if s.name not in errors]


def _new_topic(spec: TopicSpec, replication_factor: int) -> NewTopic:
    return NewTopic(
        spec.name, num_partitions=spec.partitions, replication_factor=replication_factor, topic_configs=spec.config()
    )


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Remove topics (test runs clean up their own namespace)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="trainyard-topics")
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="trainyard-topics")
    parser.add_argument("command", choices=["ensure", "list"])
    parser.add_argument("--bootstrap", default=os.environ.get("TRAINYARD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--partitions", type=int, default=int(os.environ.get("TRAINYARD_TOPIC_PARTITIONS", "6")))
    parser.add_argument(
        "--replication-factor", type=int, default=int(os.environ.get("TRAINYARD_TOPIC_REPLICATION", "1"))
    )
    parser.add_argument("--prefix", default=os.environ.get("TRAINYARD_TOPIC_PREFIX", ""))
    args = parser.parse_args(argv)
    specs = all_topics(args.partitions, args.prefix)
    if args.command == "list":
        for spec in specs:
            print(f"{spec.name}\tpartitions={spec.partitions}\t{spec.config()}")
        return
    changes = asyncio.run(apply_topics(args.bootstrap, specs, args.replication_factor))
    print(
        f"created {len(changes.created)} topic(s), added partitions to {len(changes.grown)}, "
        f"set the configuration of {len(changes.reconfigured)} existing"
    )
