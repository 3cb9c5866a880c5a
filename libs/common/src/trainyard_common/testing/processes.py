"""Running a service as a real process, as it runs in production: for e2e and crash tests."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from trainyard_common.testing.service_auth import RUN_SERVICE_KEY, signed_client

LOG_DIR = Path(__file__).resolve().parents[5] / ".cache" / "test-logs"


_PORTS = range(20_000, 32_000)
"""Below the kernel's ephemeral range (32768 to 60999 by default), from which it takes the local
port of every outgoing connection. A port the kernel handed out from there (binding to port 0)
was free when chosen, but taken a moment later, when the child bound it, by a Kafka or database
connection of a test run alongside: a clean-clone run lost its whole browser suite to that."""


def free_port() -> int:
    """A port nothing listens on now, outside the range outgoing connections take theirs from."""
    for _ in range(100):
        port = random.choice(_PORTS)  # noqa: S311  # not a secret: spreads parallel runs apart
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_PORTS}")


METRICS_PORT_TRIES = 3
_METRICS_BIND_FAILED = (b"start_http_server", b"Address already in use")
"""Words of the traceback a child prints when its metrics server finds its port taken."""


class _MetricsPortTaken(Exception):
    pass


@dataclass
class ServiceProcess:
    """``python -m <package>`` with the given environment, on a free port."""

    package: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        """Where its ``/metrics`` is served (a port of its own)."""
        return f"http://127.0.0.1:{self.metrics_port}"

    def signed(self, **options: Any) -> httpx.Client:
        """A client of its ``/v1`` API standing in for the gateway (``testing.service_auth``)."""
        key = self.env.get("TRAINYARD_SERVICE_AUTH_KEYS", RUN_SERVICE_KEY).split(",")[0].strip()
        return signed_client(self.url, key=key, **options)

    def start(self, timeout: float = 60.0, **extra_env: str) -> ServiceProcess:
        """Start it and wait until it is healthy. A metrics port another lane's process took
        between our choosing it and the child binding it (a clean-clone CI run lost its browser
        lane to that) is chosen again: nothing else names that port, unlike the HTTP port, which
        the other services' settings already hold."""
        for _ in range(METRICS_PORT_TRIES - 1):
            try:
                return self._start_once(timeout, extra_env)
            except _MetricsPortTaken:
                self.metrics_port = free_port()
        return self._start_once(timeout, extra_env)

    def _start_once(self, timeout: float, extra_env: dict[str, str]) -> ServiceProcess:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            # Every process of this run shares one random key (the gateway signs, the services verify).
            "TRAINYARD_SERVICE_AUTH_KEYS": RUN_SERVICE_KEY,
            "TRAINYARD_METRICS_PORT": str(self.metrics_port),
            **self.env,
            **extra_env,
            "TRAINYARD_HTTP_PORT": str(self.port),
        }
        log_path = LOG_DIR / f"{self.package}-{self.port}.log"
        log = log_path.open("ab")
        written_before = log.tell()
        self.process = subprocess.Popen([sys.executable, "-m", self.package], env=env, stdout=log, stderr=log)
        try:
            self._wait_healthy(timeout)
        except RuntimeError:
            with log_path.open("rb") as written:
                written.seek(written_before)
                output = written.read()
                if all(words in output for words in _METRICS_BIND_FAILED):
                    raise _MetricsPortTaken() from None
            raise
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.package} exited with {self.process.returncode}; see {LOG_DIR}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.package} not healthy after {timeout}s; see {LOG_DIR}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.package} not ready after {timeout}s")

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """SIGSTOP for the block, then SIGCONT: a service that answers nothing — its connections
        hang rather than being refused — without the cost of a restart."""
        if self.process is None:
            raise RuntimeError(f"{self.package} is not running")
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing — a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
