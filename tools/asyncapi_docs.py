"""Write each service's AsyncAPI document to ``docs/asyncapi/<service>.json`` (``make docs``).

The documents come from the services' own FastStream apps (what they subscribe to and what
they declare they publish), so they cannot describe anything the code does not do; a test
fails when the committed files and the code drift apart. ``--check`` only compares.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "asyncapi"
SERVICES = ("client_directory", "customer_account", "commerce_access", "training_progress")
DOCUMENTED_BOOTSTRAP = "kafka:9092"  # the documents name the compose/Kubernetes broker, not a developer's


def asyncapi_document(package: str) -> dict[str, Any]:
    bootstrap = importlib.import_module(f"{package}.bootstrap")
    settings_class = importlib.import_module(f"{package}.settings").Settings
    settings = settings_class(database_url="postgresql://docs@localhost/docs", kafka_bootstrap=DOCUMENTED_BOOTSTRAP)
    runtime, _ = bootstrap.bootstrap(settings)
    document: dict[str, Any] = runtime.asyncapi.schema.to_specification().to_jsonable()
    return document


def rendered(package: str) -> str:
    return json.dumps(asyncapi_document(package), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def path_of(package: str) -> Path:
    return OUTPUT / f"{package.replace('_', '-')}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args(argv)
    drifted = []
    for package in SERVICES:
        target, text = path_of(package), rendered(package)
        if args.check:
            if not target.exists() or target.read_text() != text:
                drifted.append(str(target.relative_to(ROOT)))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    if drifted:
        print("AsyncAPI documents out of date (run `make docs`):", *drifted, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
