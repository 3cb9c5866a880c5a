"""``trainyard-topics ensure|list``: create the declared topics on a running cluster."""

from __future__ import annotations

import argparse
import asyncio
import os

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from trainyard_common.messaging.topics import TopicSpec, all_topics


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], replication_factor: int = 1) -> list[str]:
    """Create the topics that do not exist yet; return their names. Existing topics are left alone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="trainyard-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        s.name,
                        num_partitions=s.partitions,
                        replication_factor=replication_factor,
                        topic_configs=s.config(),
                    )
                    for s in missing
                ]
            )
        return [s.name for s in missing]
    finally:
        await admin.close()


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
    created = asyncio.run(ensure_topics(args.bootstrap, specs, args.replication_factor))
    print(f"created {len(created)} topic(s); {len(specs) - len(created)} already existed")
