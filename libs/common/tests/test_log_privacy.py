"""Issue 16, item 3: a log line never shows a known personal field (e-mail, names, password), whoever
logs it; ids and the rest of the line stay."""

from __future__ import annotations

import json

import pytest

from trainyard_common.error_text import HIDDEN
from trainyard_common.logs import configure_logging, get_logger


def test_personal_fields_are_hidden_in_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("log-privacy-test")
    get_logger("log-privacy-test").warning(
        "welcome not sent", customer_id="c-1", email="bob.secret@example.com", first_name="Bob", last_name="Secret"
    )
    out = capsys.readouterr().out
    (line,) = [json.loads(x) for x in out.strip().splitlines()]
    assert "bob.secret" not in out.lower()
    hidden = (line["email"], line["first_name"], line["last_name"])
    assert (line["customer_id"], hidden) == ("c-1", (HIDDEN, HIDDEN, HIDDEN))
    assert line["event"] == "welcome not sent"
