"""The command line every service shares: ``<service> [serve|migrate]``."""

from __future__ import annotations

import argparse
import asyncio
import gc
from collections.abc import Callable
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI

from trainyard_common.logs import configure_logging
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings


class Bootstrap(Protocol):
    def __call__(self, settings: ServiceSettings) -> tuple[ServiceRuntime[Any], FastAPI]: ...


def settle_garbage_collection() -> None:
    """Keep the cyclic garbage collector off the hot path of a batch.

    Everything loaded so far (modules, the app, the contracts' validators) lives as long as the
    process: frozen, a full collection no longer walks it. A consumer allocates a few objects per
    record, thousands per batch; with the default first threshold (700) the collector ran
    several times per batch and its older generations kept re-walking the batch's survivors.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def service_main(name: str, load_settings: Callable[[], ServiceSettings], bootstrap: Bootstrap) -> None:
    parser = argparse.ArgumentParser(prog=name)
    parser.add_argument("command", nargs="?", choices=["serve", "migrate"], default="serve")
    args = parser.parse_args()
    settings = load_settings()
    configure_logging(name, settings.log_level)
    runtime, app = bootstrap(settings)
    if args.command == "migrate":
        asyncio.run(runtime.migrate())
        return
    settle_garbage_collection()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
