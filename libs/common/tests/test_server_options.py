"""How uvicorn serves every service (issue 18, item 5): uvloop and httptools, named explicitly."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from trainyard_common.cli import uvicorn_options
from trainyard_common.settings import ServiceSettings

NOWHERE = "postgresql://nobody:none@127.0.0.1:9/none"  # never connected to


def test_the_server_names_uvloop_and_httptools() -> None:
    options = uvicorn_options(ServiceSettings(database_url=NOWHERE))
    assert (options["loop"], options["http"]) == ("uvloop", "httptools")


def test_uvicorn_loads_them_with_these_options() -> None:
    config = uvicorn.Config(FastAPI(), **uvicorn_options(ServiceSettings(database_url=NOWHERE)))
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    factory = config.get_loop_factory()
    assert factory is not None
    assert factory.__module__.startswith("uvloop")  # "auto" would fall back to asyncio's loop silently
