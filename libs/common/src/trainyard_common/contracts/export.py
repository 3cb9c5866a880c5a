"""Write (or check) the JSON Schema of every event contract: ``trainyard-schemas``.

One file per topic, ``<topic>.json``, plus ``index.json`` listing every topic. The schemas
describe the payload as it travels (serialisation mode); the ``x-trainyard`` block says where
and how: topic, message-key field, schema version and CloudEvents ``ce_type``.

    trainyard-schemas                 # regenerate libs/common/schemas/
    trainyard-schemas --check         # exit 1 when the committed files are stale
    trainyard-schemas --out DIR       # write elsewhere

``released/`` beside them holds each topic's schema as subscribers last saw it. A regeneration
moves it forward only when the change is compatible (``contracts.compatibility``); an
incompatible change is refused — it needs a new version of the event on a new topic — and so is
a check whose schemas break their released form.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainyard_common.contracts.base import Event
from trainyard_common.contracts.compatibility import breaking_changes
from trainyard_common.contracts.registry import ALL_EVENTS
from trainyard_common.messaging.envelope import CONTENT_TYPE, TYPE_PREFIX

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:trainyard:schema:"
INDEX_FILE = "index.json"
RELEASED = "released"
SCHEMAS_DIR = Path("libs") / "common" / "schemas"
_REPO_MARKER = Path("libs") / "common" / "pyproject.toml"


def schema_for(event: type[Event]) -> dict[str, Any]:
    """The JSON Schema of one event's payload, with Trainyard's routing metadata."""
    schema = event.model_json_schema(mode="serialization")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"{ID_PREFIX}{event.topic()}"
    schema["title"] = event.__name__
    schema["x-trainyard"] = {
        "topic": event.topic(),
        "key_field": event.aggregate_field,
        "schema_version": event.schema_version,
        "ce_type": f"{TYPE_PREFIX}{event.event_type}",
        "content_type": CONTENT_TYPE,
    }
    if event.deprecation is not None:
        schema["x-trainyard"]["deprecated"] = event.deprecation.as_schema()
    return schema


def index_for(events: Sequence[type[Event]]) -> dict[str, Any]:
    """The catalogue: every topic, its schema file and its routing metadata."""
    topics = [
        {
            "topic": event.topic(),
            "title": event.__name__,
            "file": f"{event.topic()}.json",
            "key_field": event.aggregate_field,
            "schema_version": event.schema_version,
            "ce_type": f"{TYPE_PREFIX}{event.event_type}",
        }
        for event in events
    ]
    return {"topics": sorted(topics, key=lambda entry: str(entry["topic"]))}


def render(document: dict[str, Any]) -> str:
    """Stable text: two-space indent, sorted keys, UTF-8 as is, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files(events: Sequence[type[Event]] = ALL_EVENTS) -> dict[str, str]:
    """File name → content of every file the schema folder must hold."""
    files = {f"{event.topic()}.json": render(schema_for(event)) for event in events}
    files[INDEX_FILE] = render(index_for(events))
    return files


def find_repo_root(start: Path | None = None) -> Path:
    """The workspace root: the nearest folder above this file (or ``start``) with libs/common."""
    candidates = [Path(__file__).resolve(), (start or Path.cwd()).resolve()]
    for candidate in candidates:
        for folder in (candidate, *candidate.parents):
            if (folder / _REPO_MARKER).is_file():
                return folder
    raise FileNotFoundError("cannot find the repository root (libs/common); pass --out")


def differences(folder: Path, files: dict[str, str]) -> list[str]:
    """What the folder lacks, holds in excess, or holds differently, one line each."""
    present = {path.name for path in folder.glob("*.json")} if folder.is_dir() else set()
    problems = [f"missing: {name}" for name in sorted(files.keys() - present)]
    problems += [f"extra: {name}" for name in sorted(present - files.keys())]
    problems += [
        f"differs: {name}"
        for name in sorted(files.keys() & present)
        if (folder / name).read_text(encoding="utf-8") != files[name]
    ]
    return problems


def write(folder: Path, files: dict[str, str]) -> list[str]:
    """Bring the folder up to date; returns what changed. Stale schema files are removed."""
    changes = differences(folder, files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for change in changes:
        kind, name = change.split(": ", 1)
        if kind == "extra" and _is_ours(folder / name):
            (folder / name).unlink()
    return changes


def incompatibilities(folder: Path, files: dict[str, str]) -> list[str]:
    """Each way a schema breaks its released form in ``folder/released`` (a topic never
    released breaks nothing)."""
    problems = []
    for name, text in sorted(files.items()):
        released = folder / RELEASED / name
        if name == INDEX_FILE or not released.is_file():
            continue
        for change in breaking_changes(json.loads(released.read_text(encoding="utf-8")), json.loads(text)):
            problems.append(f"{name.removesuffix('.json')} {change}")
    return problems


def release(folder: Path, files: dict[str, str]) -> None:
    """Record every schema as released (call only when nothing is incompatible)."""
    target = folder / RELEASED
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name != INDEX_FILE and (
            not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text
        ):
            (target / name).write_text(text, encoding="utf-8")


def _is_ours(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and "x-trainyard" in document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="trainyard-schemas", description="Export the JSON Schema of every event contract."
    )
    parser.add_argument("--out", type=Path, help=f"target folder (default: <repo>/{SCHEMAS_DIR})")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the folder is stale")
    args = parser.parse_args(argv)
    folder: Path = args.out or find_repo_root() / SCHEMAS_DIR
    files = expected_files()
    breaking = incompatibilities(folder, files)
    if breaking:
        print("these changes break subscribers of the released schemas; publish a new version on a new topic:")
        for problem in breaking:
            print(f"  {problem}")
        return 1
    if args.check:
        problems = differences(folder, files) + differences(folder / RELEASED, _released_files(files))
        if problems:
            print(f"schemas in {folder} are stale; run `uv run trainyard-schemas`:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print(f"{len(files)} schema files up to date in {folder}")
        return 0
    changes = write(folder, files)
    release(folder, files)
    for change in changes:
        print(change)
    print(f"{len(files)} schema files in {folder} ({len(changes)} changed)")
    return 0


def _released_files(files: dict[str, str]) -> dict[str, str]:
    return {name: text for name, text in files.items() if name != INDEX_FILE}


if __name__ == "__main__":
    raise SystemExit(main())
