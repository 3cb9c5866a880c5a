"""A committed JSON Schema may change only in ways the subscribers of its released form survive.

``libs/common/schemas/released/`` holds what subscribers last saw; the rule and its reasons are in
``trainyard_common.contracts.compatibility``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trainyard_common.contracts.compatibility import breaking_changes
from trainyard_common.contracts.export import RELEASED, expected_files, incompatibilities, main

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
REGISTERED = json.loads(expected_files()["UserRegistered.json"])


def _changed(edit: Any) -> dict[str, Any]:
    schema = copy.deepcopy(REGISTERED)
    edit(schema)
    return schema


def test_every_topic_has_a_released_schema() -> None:
    released = {path.name for path in (COMMITTED / RELEASED).glob("*.json")}
    assert released == set(expected_files()) - {"index.json"}


def test_no_committed_schema_breaks_its_released_form() -> None:
    assert incompatibilities(COMMITTED, expected_files()) == []


def test_a_schema_is_compatible_with_itself() -> None:
    for name, text in expected_files().items():
        assert breaking_changes(json.loads(text), json.loads(text)) == [], name


def test_a_new_optional_property_is_compatible() -> None:
    def add(schema: dict[str, Any]) -> None:
        schema["properties"]["nickname"] = {"type": "string"}

    assert breaking_changes(REGISTERED, _changed(add)) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s["properties"].pop("email"), "$.email: removed"),
        (lambda s: s["required"].remove("email"), "$.email: no longer required"),
        (lambda s: s["properties"]["email"].update(type="integer"), "$.email: admits type 'integer'"),
        (lambda s: s["properties"]["email"].pop("format"), "$.email: format changed from 'email' to None"),
        (
            lambda s: s["properties"].update(
                email={"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]}
            ),
            "$.email: admits type 'null'",
        ),
        (lambda s: s["$defs"]["RegistrationSource"]["enum"].append("carrier_pigeon"), "new values ['carrier_pigeon']"),
    ],
    ids=["removed", "optional", "retyped", "reformatted", "nullable", "enum-grown"],
)
def test_breaking_changes_are_named(edit: Any, expected: str) -> None:
    changes = breaking_changes(REGISTERED, _changed(edit))
    assert any(expected in change for change in changes), changes


def test_narrowing_a_value_is_compatible() -> None:
    released = _changed(
        lambda s: s["properties"].update(organization={"anyOf": [{"type": "string"}, {"type": "null"}]})
    )
    current = _changed(lambda s: s["properties"].update(organization={"type": "string"}))
    assert breaking_changes(released, current) == []


def test_the_exporter_refuses_an_incompatible_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    released = tmp_path / RELEASED / "UserRegistered.json"
    widened = json.loads(released.read_text(encoding="utf-8"))
    widened["properties"]["shoe_size"] = {"type": "integer"}
    widened["required"].append("shoe_size")
    released.write_text(json.dumps(widened), encoding="utf-8")
    capsys.readouterr()

    assert main(["--out", str(tmp_path)]) == 1
    assert main(["--check", "--out", str(tmp_path)]) == 1

    assert "UserRegistered $.shoe_size: removed" in capsys.readouterr().out
    assert json.loads(released.read_text(encoding="utf-8")) == widened, "the released form is kept"
