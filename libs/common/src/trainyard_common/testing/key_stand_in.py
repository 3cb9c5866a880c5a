"""customer-account's key lookup, stood in for a service run without customer-account (issue 16).

A consumer of the sealed version 2 topics asks customer-account for its customers' keys
(``POST /v1/customer-keys/lookup``). Tests and benchmarks that feed one service with events of
their own (sealed with ``TEST_KEY``: ``trainyard_common.testing.sealed_events``) point its
``TRAINYARD_CUSTOMER_ACCOUNT_URL`` here: every customer's key is ``TEST_KEY``, except those marked
``destroyed``. The caller's service token is not checked (the stand-in serves nothing else).
A test convenience, never a key service: it hands every caller the one test key."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from trainyard_common.testing.sealed_events import TEST_KEY

_KEY_TEXT = base64.urlsafe_b64encode(TEST_KEY).rstrip(b"=").decode("ascii")


class KeyStandIn:
    def __init__(self) -> None:
        self.destroyed: set[uuid.UUID] = set()
        self.lookups = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
                ids = [uuid.UUID(i) for i in body.get("customer_ids", [])]
                stand_in.lookups += 1
                answer = {
                    "keys": {str(i): _KEY_TEXT for i in ids if i not in stand_in.destroyed},
                    "destroyed": [str(i) for i in ids if i in stand_in.destroyed],
                    "unknown": [],
                }
                data = json.dumps(answer).encode()
                self.send_response(200 if self.path == "/v1/customer-keys/lookup" else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002  # quiet: no access log
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="key-stand-in", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_shared: KeyStandIn | None = None
_lock = threading.Lock()


def shared_key_stand_in() -> KeyStandIn:
    """One stand-in for the whole test run (a daemon thread; it ends with the process)."""
    global _shared  # noqa: PLW0603 (one per process, started on first use)
    with _lock:
        if _shared is None:
            _shared = KeyStandIn()
        return _shared
