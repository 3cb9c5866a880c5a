"""The committed JSON Schemas in libs/common/schemas/ are exactly what the models produce.

If this fails after a contract change, run ``uv run trainyard-schemas`` and commit the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainyard_common.contracts import ALL_EVENTS, Event
from trainyard_common.contracts.export import (
    INDEX_FILE,
    SCHEMAS_DIR,
    expected_files,
    find_repo_root,
    main,
)

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"


def test_the_exporter_finds_the_committed_folder() -> None:
    assert find_repo_root() / SCHEMAS_DIR == COMMITTED


def test_committed_schemas_match_the_models() -> None:
    expected = expected_files()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in COMMITTED.glob("*.json")}
    assert sorted(on_disk) == sorted(expected), "run `uv run trainyard-schemas`"
    stale = [name for name in expected if on_disk[name] != expected[name]]
    assert not stale, f"stale schemas {stale}: run `uv run trainyard-schemas`"


def test_check_mode_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda event: event.topic())
def test_schema_file_describes_its_topic(event: type[Event]) -> None:
    schema = json.loads((COMMITTED / f"{event.topic()}.json").read_text(encoding="utf-8"))
    assert schema["title"] == event.__name__
    assert schema["$id"].endswith(event.topic())
    assert schema["x-trainyard"] == {
        "topic": event.topic(),
        "key_field": event.aggregate_field,
        "schema_version": event.schema_version,
        "ce_type": f"com.trainyard.{event.event_type}",
        "content_type": "application/json",
        **({"deprecated": event.deprecation.as_schema()} if event.deprecation is not None else {}),
    }
    assert event.aggregate_field in schema["required"]


def test_index_lists_every_topic() -> None:
    index = json.loads((COMMITTED / INDEX_FILE).read_text(encoding="utf-8"))
    listed = [entry["topic"] for entry in index["topics"]]
    assert listed == sorted(event.topic() for event in ALL_EVENTS)
    for entry in index["topics"]:
        assert (COMMITTED / entry["file"]).is_file()


def test_files_are_pretty_sorted_and_end_with_a_newline() -> None:
    for path in COMMITTED.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert not text.endswith("\n\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_write_then_check_in_a_fresh_folder(tmp_path: Path) -> None:
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    assert {path.name for path in tmp_path.glob("*.json")} == set(expected_files())


def test_check_reports_stale_missing_and_extra_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--out", str(tmp_path)])
    capsys.readouterr()
    (tmp_path / "OrderCompleted.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "AccessGranted.json").unlink()
    (tmp_path / "Retired.json").write_text('{"x-trainyard": {}}\n', encoding="utf-8")
    before = {path.name: path.read_bytes() for path in tmp_path.glob("*.json")}

    assert main(["--check", "--out", str(tmp_path)]) == 1

    out = capsys.readouterr().out
    assert "differs: OrderCompleted.json" in out
    assert "missing: AccessGranted.json" in out
    assert "extra: Retired.json" in out
    assert {path.name: path.read_bytes() for path in tmp_path.glob("*.json")} == before


def test_write_repairs_and_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    main(["--out", str(tmp_path)])
    (tmp_path / "OrderCompleted.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "Retired.json").write_text('{"x-trainyard": {}}\n', encoding="utf-8")
    (tmp_path / "notes.json").write_text('{"mine": true}\n', encoding="utf-8")

    assert main(["--out", str(tmp_path)]) == 0

    assert not (tmp_path / "Retired.json").exists()
    assert (tmp_path / "notes.json").exists()
    assert (tmp_path / "OrderCompleted.json").read_text(encoding="utf-8") == (expected_files()["OrderCompleted.json"])
