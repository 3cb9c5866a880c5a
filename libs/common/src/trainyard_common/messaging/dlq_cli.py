"""``trainyard-dlq list TOPIC`` and ``trainyard-dlq replay TOPIC (--offset N ... | --all)``."""

from __future__ import annotations

import argparse
import asyncio
import os

from trainyard_common.messaging.dead_letters import DeadLetter, read_dead_letters, replay_dead_letters
from trainyard_common.messaging.producer import make_producer


def _describe(letter: DeadLetter) -> str:
    first_line = letter.error.splitlines()[0] if letter.error else ""
    return (
        f"dlq-offset={letter.offset}\tfrom={letter.original_topic}[{letter.original_partition}]@{letter.original_offset}"
        f"\tgroup={letter.consumer_group}\tevent={letter.event_id}\tat={letter.failed_at}\t{first_line}"
    )


async def _list(bootstrap: str, topic: str) -> None:
    letters = await read_dead_letters(bootstrap, topic)
    for letter in letters:
        print(_describe(letter))
    print(f"{len(letters)} dead letter(s) for {topic}")


async def _replay(bootstrap: str, topic: str, offsets: set[int] | None) -> None:
    letters = [d for d in await read_dead_letters(bootstrap, topic) if offsets is None or d.offset in offsets]
    producer = make_producer(bootstrap, "trainyard-dlq")
    await producer.start()
    try:
        replayed = await replay_dead_letters(producer, letters)
    finally:
        await producer.stop()
    print(f"replayed {replayed} dead letter(s) onto {topic}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="trainyard-dlq", description="List and replay dead letters.")
    parser.add_argument("--bootstrap", default=os.environ.get("TRAINYARD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="show the dead letters of an event topic")
    listing.add_argument("topic")
    replay = commands.add_parser("replay", help="publish dead letters again on their original topic")
    replay.add_argument("topic")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--offset", type=int, action="append", help="a dead letter's offset (repeatable)")
    which.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "list":
        asyncio.run(_list(args.bootstrap, args.topic))
    else:
        asyncio.run(_replay(args.bootstrap, args.topic, None if args.all else set(args.offset)))
