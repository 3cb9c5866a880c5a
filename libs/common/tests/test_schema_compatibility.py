"""A committed JSON Schema may change only in ways the subscribers of its released form survive.

``libs/common/schemas/released/`` holds what subscribers last saw; the rule and its reasons are in
``trainyard_common.contracts.compatibility``.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest

from trainyard_common.contracts import Deprecation, UserRegistered
from trainyard_common.contracts.compatibility import breaking_changes
from trainyard_common.contracts.export import RELEASED, expected_files, incompatibilities, main, schema_for
from trainyard_common.messaging.topics import EVENT_RETENTION_DAYS

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
REGISTERED = json.loads(
    (Path(__file__).resolve().parent / "fixtures" / "UserRegistered.before-deprecation.json").read_text("utf-8")
)
"""``UserRegistered`` as released before its deprecation (its personal fields in clear): the rule's examples."""


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


# A deprecated topic may blank its personal fields (issue 16), and nothing else.

_DEPRECATED = {"since": "2026-12-01", "retire_on": "2026-12-31", "successor": "UserRegistered.v2"}
_BLANK = {"type": "string", "const": ""}


def _deprecated(edit: Any) -> dict[str, Any]:
    def both(schema: dict[str, Any]) -> None:
        schema["x-trainyard"]["deprecated"] = dict(_DEPRECATED)
        edit(schema)

    return _changed(both)


def test_v1_personal_fields_are_marked_and_others_are_not() -> None:
    properties = json.loads(expected_files()["UserRegistered.json"])["properties"]
    marked = {name for name, schema in properties.items() if schema.get("x-trainyard-personal")}
    assert marked == {"email", "first_name", "last_name", "organization"}
    assert marked == {name for name, schema in REGISTERED["properties"].items() if schema.get("x-trainyard-personal")}
    profile = json.loads(expected_files()["CustomerProfileUpdated.json"])["properties"]
    assert {n for n, s in profile.items() if s.get("x-trainyard-personal")} == {
        "email", "previous_email", "first_name", "last_name", "organization", "previous_organization",
    }  # fmt: skip
    imported = json.loads(expected_files()["CustomerImported.json"])["properties"]
    assert {n for n, s in imported.items() if s.get("x-trainyard-personal")} == {"email"}


V1_RETIRING = {"UserRegistered", "CustomerProfileUpdated", "CustomerImported"}


def test_the_v1_topics_with_personal_data_are_deprecated_for_one_retention_and_blank() -> None:
    deprecated = {}
    for name, text in expected_files().items():
        schema = json.loads(text)
        if "deprecated" in schema.get("x-trainyard", {}):
            deprecated[name.removesuffix(".json")] = schema
    assert set(deprecated) == V1_RETIRING
    for topic, schema in deprecated.items():
        window = schema["x-trainyard"]["deprecated"]
        assert window["successor"] == f"{topic}.v2"
        since, retire_on = date.fromisoformat(window["since"]), date.fromisoformat(window["retire_on"])
        assert (retire_on - since).days == EVENT_RETENTION_DAYS, "retired when its last clear message is gone"
        for name, prop in schema["properties"].items():
            if prop.get("x-trainyard-personal"):
                assert (prop["type"], prop["const"]) == ("string", ""), (topic, name)


def test_the_committed_v1_schemas_blank_their_personal_fields_compatibly() -> None:
    before = breaking_changes(REGISTERED, json.loads(expected_files()["UserRegistered.json"]))
    assert before == []
    undeprecated = json.loads(expected_files()["UserRegistered.json"])
    del undeprecated["x-trainyard"]["deprecated"]
    assert breaking_changes(REGISTERED, undeprecated), "blank without the deprecation: breaking"


def test_marking_a_topic_deprecated_is_compatible() -> None:
    assert breaking_changes(REGISTERED, _deprecated(lambda s: None)) == []


@pytest.mark.parametrize("blank", [_BLANK, {"type": "string", "maxLength": 0}, {"type": "string", "enum": [""]}])
def test_a_deprecated_topic_may_blank_its_personal_fields(blank: dict[str, Any]) -> None:
    def blank_all(schema: dict[str, Any]) -> None:
        for name in ("email", "first_name", "last_name", "organization"):
            schema["properties"][name] = dict(blank)

    assert breaking_changes(REGISTERED, _deprecated(blank_all)) == []


def test_blanking_a_topic_not_deprecated_breaks() -> None:
    changes = breaking_changes(REGISTERED, _changed(lambda s: s["properties"].update(email=dict(_BLANK))))
    assert any("$.email: format changed" in change for change in changes), changes


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s["properties"].update(registered_at=dict(_BLANK)), "$.registered_at: format changed"),
        (lambda s: s["properties"].pop("email"), "$.email: removed"),
        (lambda s: s["required"].remove("email"), "$.email: no longer required"),
        (lambda s: s["properties"].update(email={"type": "string"}), "$.email: format changed"),
        (
            lambda s: s["properties"].update(email={"anyOf": [_BLANK, {"type": "null"}]}),
            "$.email: admits type 'null'",
        ),
        (lambda s: s["properties"].update(organization={"type": "integer", "const": 0}), "admits type 'integer'"),
    ],
    ids=["not-personal", "removed", "optional", "any-string", "nullable", "retyped"],
)
def test_a_deprecated_topic_breaks_by_anything_else(edit: Any, expected: str) -> None:
    changes = breaking_changes(REGISTERED, _deprecated(edit))
    assert any(expected in change for change in changes), changes


def test_an_events_deprecation_is_exported_and_lets_its_personal_fields_go_blank() -> None:
    class Retiring(UserRegistered):
        deprecation: ClassVar[Deprecation | None] = Deprecation(
            since=date(2026, 12, 1), retire_on=date(2026, 12, 31), successor="UserRegistered.v2"
        )

    schema = schema_for(Retiring)
    assert schema["x-trainyard"]["deprecated"] == _DEPRECATED
    assert "deprecated" not in REGISTERED["x-trainyard"]
    for name in ("email", "first_name", "last_name", "organization"):
        schema["properties"][name] = dict(_BLANK)
    assert breaking_changes(REGISTERED, schema) == []
