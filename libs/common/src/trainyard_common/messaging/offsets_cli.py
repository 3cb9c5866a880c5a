"""``trainyard-offsets``: show or move a service's consumer-group offsets (the service stopped).

Why move them: after restoring a service's database from a backup, replaying its topics from
the backup's time rebuilds everything the backup missed; events the backup had already applied
are skipped by the idempotent consumer (their ids are in the restored ``processed_events``).
A service keeps one group per topic, named ``<prefix><service>.<topic>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from trainyard_common.messaging.admin import topic_partitions


async def service_groups(bootstrap: str, service: str, prefix: str = "") -> dict[str, str]:
    """The service's consumer groups, each with the topic it consumes."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="trainyard-offsets")
    await admin.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
    finally:
        await admin.close()
    start = f"{prefix}{service}."
    return {g: prefix + g.removeprefix(start) for g in sorted(groups) if g.startswith(start)}


async def reset_group(bootstrap: str, group: str, topic: str, to: datetime | None) -> dict[TopicPartition, int]:
    """Commit, for every partition of ``topic``, the first offset at or after ``to`` (or the
    earliest one). Kafka refuses it while the group has members: stop the service first."""
    partitions = await topic_partitions(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        targets = await _targets(consumer, partitions, to)
        await consumer.commit(targets)
        return targets
    finally:
        await consumer.stop()


async def _targets(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], to: datetime | None
) -> dict[TopicPartition, int]:
    earliest = await consumer.beginning_offsets(partitions)
    if to is None:
        return dict(earliest)
    ends = await consumer.end_offsets(partitions)
    found = await consumer.offsets_for_times({tp: int(to.timestamp() * 1000) for tp in partitions})
    return {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}


async def show(bootstrap: str, service: str, prefix: str) -> None:
    for group, topic in (await service_groups(bootstrap, service, prefix)).items():
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            for tp in await topic_partitions(bootstrap, topic):
                print(f"{group}\t{tp.topic}[{tp.partition}]\tcommitted={await consumer.committed(tp)}")
        finally:
            await consumer.stop()


async def reset(bootstrap: str, service: str, prefix: str, to: datetime | None) -> None:
    for group, topic in (await service_groups(bootstrap, service, prefix)).items():
        for tp, offset in (await reset_group(bootstrap, group, topic, to)).items():
            print(f"{group}\t{tp.topic}[{tp.partition}]\t-> {offset}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="trainyard-offsets", description=__doc__)
    parser.add_argument("--bootstrap", default=os.environ.get("TRAINYARD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--prefix", default=os.environ.get("TRAINYARD_TOPIC_PREFIX", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("show", help="committed offsets of a service's groups").add_argument("service")
    rewind = commands.add_parser("reset", help="move a stopped service's groups back, to replay")
    rewind.add_argument("service")
    where = rewind.add_mutually_exclusive_group(required=True)
    where.add_argument("--to-datetime", type=datetime.fromisoformat, help="ISO 8601, with offset")
    where.add_argument("--to-earliest", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "show":
        asyncio.run(show(args.bootstrap, args.service, args.prefix))
    else:
        asyncio.run(reset(args.bootstrap, args.service, args.prefix, None if args.to_earliest else args.to_datetime))


if __name__ == "__main__":
    main()
