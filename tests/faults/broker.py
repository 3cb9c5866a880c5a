"""A KRaft broker the fault suite owns: its own ports and data directory under ``.cache/faults``,
started, SIGKILLed and restarted by the suite, never the developer's (or other tests') broker.

Started as ``deploy/local/kafka.sh`` starts the local one (same jars, same properties template,
same JVM options), but on ``TRAINYARD_FAULTS_KAFKA_PORT`` (19192) and the next port.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL = REPO_ROOT / "deploy" / "local" / "kafka"
LIBS = REPO_ROOT / ".cache" / "kafka" / "libs"
FAULTS_DIR = REPO_ROOT / ".cache" / "faults"
JVM_OPTS = [
    "-Xms256m",
    "-Xmx512m",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    f"-Dlog4j2.configurationFile={LOCAL / 'log4j2.properties'}",
]


@dataclass
class OwnBroker:
    port: int = field(default_factory=lambda: _free_pair(int(os.environ.get("TRAINYARD_FAULTS_KAFKA_PORT", "19192"))))
    home: Path = field(default_factory=lambda: FAULTS_DIR / f"kafka-{uuid.uuid4().hex[:8]}")
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def _java(self) -> list[str]:
        if not LIBS.is_dir():
            raise SystemExit(f"no Kafka jars in {LIBS}: run `bash deploy/local/kafka.sh up` once to fetch them")
        opts = [*JVM_OPTS, f"-Dkafka.logs.dir={self.home / 'logs'}"]
        return ["java", *opts, "-cp", f"{LIBS}/*"]

    def _configure(self) -> Path:
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        text = (LOCAL / "server.properties.template").read_text()
        for name, value in {
            "KAFKA_PORT": self.port,
            "CONTROLLER_PORT": self.port + 1,
            "DATA_DIR": self.home / "data",
        }.items():
            text = text.replace(f"@{name}@", str(value))
        props = self.home / "server.properties"
        props.write_text(text)
        if not (self.home / "data" / "meta.properties").exists():
            subprocess.run(
                [
                    *self._java(),
                    "kafka.tools.StorageTool",
                    "format",
                    "--cluster-id",
                    _cluster_id(),
                    "--config",
                    str(props),
                    "--ignore-formatted",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return props

    def start(self, timeout: float = 90.0) -> OwnBroker:
        props = self._configure()
        log = (self.home / "logs" / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [*self._java(), "kafka.Kafka", str(props)], stdout=log, stderr=log, start_new_session=True, cwd=self.home
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the fault suite's broker exited; see {self.home / 'logs'}")
            probe = subprocess.run(
                [sys.executable, str(LOCAL / "kafka_probe.py"), "127.0.0.1", str(self.port), "2"],
                capture_output=True,
                check=False,
            )
            if probe.returncode == 0:
                return
            time.sleep(0.25)
        raise TimeoutError(f"the fault suite's broker did not answer on {self.bootstrap} in {timeout}s")

    def kill(self) -> None:
        """SIGKILL the JVM: a crash, nothing flushed."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        if remove:
            shutil.rmtree(self.home, ignore_errors=True)


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'."""
    while True:
        value = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not value.startswith("-"):
            return value


def _free_pair(preferred: int) -> int:
    """``preferred`` when it and the next port are free (another suite may run), else a free pair."""
    candidate = preferred
    for _ in range(50):
        if _free(candidate) and candidate < 65535 and _free(candidate + 1):
            return candidate
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            candidate = int(sock.getsockname()[1])
    raise RuntimeError("no two free ports in a row for the fault suite's broker")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
