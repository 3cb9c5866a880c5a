"""The command line every service shares: ``<service> [serve|migrate]``, and a service's own
commands (``commands``: e.g. ``customer-account rotate-kek``)."""

from __future__ import annotations

import argparse
import asyncio
import gc
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI
from prometheus_client import start_http_server
from starlette.types import ASGIApp

from trainyard_common.http.proxies import TrustedProxyMiddleware
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


Command = Callable[[ServiceRuntime[Any], ServiceSettings], Awaitable[None]]
"""A service's own command: runs once on the bootstrapped runtime (nothing served, no consumer)."""


def service_main(
    name: str,
    load_settings: Callable[[], ServiceSettings],
    bootstrap: Bootstrap,
    commands: Mapping[str, Command] | None = None,
) -> None:
    own = dict(commands or {})
    parser = argparse.ArgumentParser(prog=name)
    parser.add_argument("command", nargs="?", choices=["serve", "migrate", *own], default="serve")
    args = parser.parse_args()
    settings = load_settings()
    configure_logging(name, settings.log_level)
    runtime, app = bootstrap(settings)
    if args.command == "migrate":
        asyncio.run(runtime.migrate())
        return
    if args.command in own:
        asyncio.run(_run_command(own[args.command], runtime, settings))
        return
    settle_garbage_collection()
    # /metrics on a port of its own (Prometheus' server, a thread): the network policy lets the
    # monitoring namespace reach that port only, never the API.
    start_http_server(settings.metrics_listen_port, addr=settings.http_host)
    uvicorn.run(served_app(app, settings), **uvicorn_options(settings))


async def _run_command(command: Command, runtime: ServiceRuntime[Any], settings: ServiceSettings) -> None:
    try:
        await command(runtime, settings)
    finally:
        await runtime.engine.dispose()


def served_app(app: FastAPI, settings: ServiceSettings) -> ASGIApp:
    """The app as the server runs it: the client's address settled first, from trusted proxies only."""
    return TrustedProxyMiddleware(app, trusted=settings.trusted_proxies)


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """How uvicorn serves a service. Its own proxy handling is off: it trusts ``X-Forwarded-For``
    from 127.0.0.1 by default; ``served_app`` honours only ``TRAINYARD_TRUSTED_PROXIES``.

    The event loop and the HTTP parser are named, not left to ``auto``: uvloop and httptools
    (``uvicorn[standard]``) are a locked dependency, and a missing one fails at start-up rather
    than silently serving on asyncio's loop and the pure-Python h11 parser."""
    return {
        "host": settings.http_host,
        "port": settings.http_port,
        "loop": "uvloop",
        "http": "httptools",
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "proxy_headers": False,
    }
