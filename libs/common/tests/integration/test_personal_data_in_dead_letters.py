"""Issue 16, item 3, over real Kafka and PostgreSQL: events carrying an e-mail that fail — an
unreadable payload (pydantic refuses the e-mail) and a handler whose SQL statement fails on the
e-mail — land on the dead-letter topic with their payload kept for replay, but neither the
``dlq_*`` headers nor the service's log lines repeat the e-mail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.logs import configure_logging
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.testing.kafka import header, produce, read_topic
from trainyard_common.testing.probe import ProbeBase, group, running_service, send_probe

pytestmark = pytest.mark.integration

SECRET = "bob.secret@example.com"


async def _cast_the_key_to_a_uuid(event: ProbeBase, uow: SqlUnitOfWork) -> None:
    """A handler whose statement fails on the value it was given (the e-mail as a uuid)."""
    await uow.session.execute(text("SELECT CAST(:key AS uuid)"), {"key": event.probe_key})


async def test_dead_letters_and_logs_of_events_with_an_e_mail_never_repeat_it(
    probe: Any, kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    probe_type, settings = probe
    configure_logging("dead-letter-privacy-test")
    headers = Envelope(event_type=probe_type.event_type, source="/tests").to_headers()
    poisoned = json.dumps({"probe_key": SECRET, "n": SECRET}).encode()  # n is no int: pydantic quotes it
    async with running_service(settings, probe_type, _cast_the_key_to_a_uuid, group=group()):
        await produce(kafka_bootstrap, probe_type.topic(), poisoned, key=b"k", headers=headers)
        await send_probe(kafka_bootstrap, probe_type(probe_key=SECRET, n=1))
        dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 2)

    unreadable, failing_sql = dead
    assert SECRET.encode() in unreadable.value  # the payload is kept for replay (crypto-shredding's job)
    assert "ValidationError" in (header(unreadable, "dlq_error") or "")
    assert "n" in (header(unreadable, "dlq_error") or "")
    assert "DataError" in (header(failing_sql, "dlq_error") or "")
    for record in dead:
        dlq = {k: v.decode(errors="replace") for k, v in record.headers if k.startswith("dlq_")}
        assert not [k for k, v in dlq.items() if "bob.secret" in v], dlq
    logged = capsys.readouterr().out
    assert "dead-lettering message" in logged
    assert "bob.secret" not in logged
