"""Issue 15 item 16: no submitted value (an e-mail) in a dead letter's error header, a log line or
a 422 body; the error still says what failed (field, reason, type)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from pydantic import BaseModel

from trainyard_common.contracts import Event
from trainyard_common.contracts.email import Email
from trainyard_common.http.errors import install_error_handlers
from trainyard_common.logs import configure_logging, get_logger
from trainyard_common.messaging.dead_letters import dead_letter_headers
from trainyard_common.messaging.delivered import Malformed, read_record
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.vocabulary import RegistrationSource


class UserRegistered(Event):
    """``UserRegistered`` as released before its deprecation (issue 16 blanks its personal fields):
    an event whose contract checks an e-mail."""

    event_type: ClassVar[str] = "UserRegistered"

    customer_id: UUID
    email: Email
    first_name: str
    last_name: str
    source: RegistrationSource
    registered_at: datetime


SECRET = "bob.secret@localhost"  # a refused domain: the contract's check quotes the address it refuses
VALID = "bob.secret@example.com"


def _record(payload: dict[str, object]) -> ConsumerRecord[bytes, bytes]:
    envelope = Envelope(event_type="UserRegistered", source="test", schema_version=1, event_id=str(uuid4()))
    return ConsumerRecord(
        topic="UserRegistered",
        partition=0,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=json.dumps(payload).encode(),
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=envelope.to_headers(),
    )


def _payload(**changes: object) -> dict[str, object]:
    registered = {
        "email": VALID,  # first: pydantic shortens a long input in the middle
        "customer_id": str(uuid4()),
        "first_name": "Bob",
        "last_name": "Secret",
        "source": "self_registration",
        "registered_at": datetime.now(UTC).isoformat(),
    }
    return {k: v for k, v in {**registered, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_payload(email=SECRET), "email"),  # the refused value itself
        (_payload(first_name=None), "first_name"),  # pydantic shows the whole payload as the input
        (_payload(registered_at=VALID), "registered_at"),
    ],
)
def test_a_poison_messages_dead_letter_header_names_the_field_not_the_value(
    payload: dict[str, object], field: str
) -> None:
    record = _record(payload)
    read = read_record(record, UserRegistered)
    assert isinstance(read, Malformed)
    headers = dict(dead_letter_headers(record, read.error, consumer_group="g", attempts=1))
    error = headers["dlq_error"].decode()
    assert "bob.secret" not in error
    assert field in error
    assert "ValidationError" in error
    assert headers["dlq_error_type"] == b"ValidationError"


def _log_lines(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def test_a_logged_validation_error_carries_no_input_value(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("error-texts-test")
    log = get_logger("error-texts-test")
    try:
        UserRegistered.model_validate(_payload(email=SECRET))
    except ValueError as exc:
        log.warning("handler failed", error=exc)
        log.exception("unhandled error")
    out = _log_lines(capsys)
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert "bob.secret" not in out
    assert "email" in lines[0]["error"]
    assert "Traceback" in lines[1]["exception"]
    assert "test_error_texts.py" in lines[1]["exception"]  # the frames are still there


class _Body(BaseModel):
    email: Email
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def create(body: _Body) -> None:
        pass

    return app


async def test_a_422_names_the_field_and_reason_never_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("error-texts-test")
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        reply = await client.post("/things", json={"email": SECRET, "name": ["bob.secret"]})
    assert reply.status_code == 422
    assert "bob.secret" not in reply.text
    fields = {d["field"]: d["reason"] for d in reply.json()["error"]["details"]}
    assert set(fields) == {"email", "name"}
    assert "is not a valid e-mail address" in fields["email"]
    assert "bob.secret" not in _log_lines(capsys)
