"""Issue 15 items 4 and 12, over a real uvicorn server as ``cli.py`` runs a service.

4. A client on 127.0.0.1 sending ``X-Forwarded-For: 6.6.6.6`` is 127.0.0.1 unless 127.0.0.1 is a
   configured trusted proxy; a malformed forwarded address is never taken.
12. Header bytes never make a 500: a non-ASCII or too long ``X-Request-ID`` is replaced by a
   fresh id, a ``\\xff`` byte anywhere is fine.

Checked against the code as found: uvicorn's defaults (``proxy_headers`` on, 127.0.0.1 trusted)
gave 6.6.6.6, and the correlation middleware's UTF-8 decode answered 500 to ``X-Request-ID: \\xff``.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import APIRouter, Request

from trainyard_common.cli import served_app, uvicorn_options
from trainyard_common.http.correlation import accepted_request_id, sanitised
from trainyard_common.http.proxies import client_address, parse_address, parse_networks
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.processes import free_port

NOWHERE = "postgresql://nobody:none@127.0.0.1:9/none"  # never connected to
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@contextlib.contextmanager
def served(**settings: object) -> Iterator[int]:
    """A service app (``ServiceRuntime.http_app``) served by uvicorn as ``service_main`` serves it."""
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        return {"client": request.client.host if request.client else None, "scheme": request.url.scheme}

    own = ServiceSettings(database_url=NOWHERE, http_port=free_port(), **settings)  # type: ignore[arg-type]
    app = ServiceRuntime(own, name="svc", migrations_dir=None).http_app(router, title="svc")
    server = uvicorn.Server(uvicorn.Config(served_app(app, own), **{**uvicorn_options(own), "lifespan": "off"}))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield own.http_port
    finally:
        server.should_exit = True
        thread.join(10)


def raw_get(port: int, path: str, *headers: bytes) -> tuple[int, dict[str, str], bytes]:
    """GET with header lines sent as the bytes given (no client library cleans them)."""
    request = b"\r\n".join([f"GET {path} HTTP/1.1".encode(), b"Host: test", *headers, b"Connection: close", b"", b""])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    found = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), found, body


# --- item 4: trusted proxies -------------------------------------------------------------------


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored() -> None:
    with served() as port:
        status, _, body = raw_get(port, "/whoami", b"X-Forwarded-For: 6.6.6.6", b"X-Forwarded-Proto: https")
    assert status == 200
    assert b'"client":"127.0.0.1"' in body
    assert b'"scheme":"http"' in body


def test_a_trusted_proxy_names_the_client() -> None:
    with served(trusted_proxies="127.0.0.1/32") as port:
        status, _, body = raw_get(port, "/whoami", b"X-Forwarded-For: 6.6.6.6", b"X-Forwarded-Proto: https")
        assert (status, b'"client":"6.6.6.6"' in body, b'"scheme":"https"' in body) == (200, True, True)
        _, _, malformed = raw_get(port, "/whoami", b"X-Forwarded-For: <script>alert(1)</script>")
        assert b'"client":"127.0.0.1"' in malformed, "a malformed address is never taken"


def test_the_chain_is_read_from_the_right_through_trusted_proxies_only() -> None:
    trusted = parse_networks(["10.0.0.0/8", "127.0.0.1"])
    peer = parse_address("127.0.0.1")
    assert peer is not None
    assert str(client_address(peer, "1.1.1.1, 6.6.6.6, 10.1.2.3", trusted)) == "6.6.6.6"
    assert str(client_address(peer, "6.6.6.6, not-an-ip, 10.1.2.3", trusted)) == "10.1.2.3"
    assert str(client_address(peer, "[2001:db8::1]:443", trusted)) == "2001:db8::1"
    untrusted = parse_address("192.0.2.7")
    assert untrusted is not None
    assert str(client_address(untrusted, "6.6.6.6", trusted)) == "192.0.2.7"


def test_settings_refuse_a_malformed_network() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        ServiceSettings(database_url=NOWHERE, trusted_proxies="10.0.0.0/33")


# --- item 12: header bytes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        b"X-Request-ID: \xff\xfe",
        "X-Request-ID: café".encode(),
        b"X-Request-ID: " + b"a" * 65,
        b"X-Request-ID: has space",
        b"X-Request-ID: ",
        b"User-Agent: \xff agent",
        b"X-Forwarded-For: \xff",
        b"X-Trainyard-Service-Token: \xff.\xff",
    ],
)
def test_header_bytes_never_make_a_500(header: bytes) -> None:
    with served(trusted_proxies="127.0.0.1/32") as port:
        health = raw_get(port, "/healthz", header)
        api = raw_get(port, "/v1/anything", header)
    assert health[0] == 200, health
    assert UUID.match(health[1]["x-request-id"]), "an unacceptable id is replaced by a fresh one"
    assert api[0] == 401, api


def test_an_acceptable_request_id_is_kept() -> None:
    with served() as port:
        status, headers, _ = raw_get(port, "/healthz", b"X-Request-ID: order-42_retry.1")
    assert (status, headers["x-request-id"]) == (200, "order-42_retry.1")


def test_a_rejected_id_is_logged_sanitised_and_cut() -> None:
    assert accepted_request_id("a" * 64) == "a" * 64
    assert accepted_request_id("a" * 65) is None
    assert accepted_request_id("x\ny") is None
    assert sanitised("ÿ\r\nabc" + "z" * 100) == "???abc" + "z" * 58
