#!/usr/bin/env python3
"""Readiness probe for the local Kafka broker (stdlib only, no JVM start-up).

Usage: kafka_probe.py HOST PORT [TIMEOUT_SECONDS]

Speaks the Kafka wire protocol over one TCP connection: an ApiVersions request
(answered by every broker version) to learn which versions the broker accepts,
then a Metadata request for no topics, then a FindCoordinator request for a
consumer group. Exit 0 when the broker lists at least one broker in its
metadata (a KRaft broker shows up there only once it is registered and
unfenced, i.e. usable by clients) and a group coordinator is available (the
first such request also makes the broker create __consumer_offsets); exit 1
otherwise, with the reason on stderr. On success prints "<node_id>@<host>:<port>"
per broker.
"""

from __future__ import annotations

import socket
import struct
import sys

API_VERSIONS = 18
METADATA = 3
FIND_COORDINATOR = 10
FIRST_FLEXIBLE_METADATA = 9
CLIENT_ID = b"trainyard-infra-probe"


class ProbeError(Exception):
    pass


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ProbeError("truncated response")
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return int(value)

    def varint(self) -> int:
        shift = value = 0
        while True:
            byte = self.take(">B")
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def string(self, compact: bool) -> str | None:
        length = self.varint() - 1 if compact else self.take(">h")
        if length < 0:
            return None
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("utf-8", "replace")

    def skip_tags(self) -> None:
        for _ in range(self.varint()):
            self.varint()  # tag
            self.pos += self.varint()  # size, then skip the payload


def recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise ProbeError("connection closed by the broker")
        buf += chunk
    return bytes(buf)


def call(sock: socket.socket, api_key: int, version: int, corr: int, body: bytes, *, flexible: bool) -> Reader:
    header = struct.pack(">hhih", api_key, version, corr, len(CLIENT_ID)) + CLIENT_ID
    if flexible:
        header += b"\x00"  # request header v2: empty tagged fields
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    reader = Reader(recv_exact(sock, size))
    if reader.take(">i") != corr:
        raise ProbeError("correlation id mismatch")
    # ApiVersions responses always use header v0, even for flexible versions.
    if flexible and api_key != API_VERSIONS:
        reader.skip_tags()
    return reader


def api_versions(sock: socket.socket) -> dict[int, tuple[int, int]]:
    reader = call(sock, API_VERSIONS, 0, 1, b"", flexible=False)
    error = reader.take(">h")
    if error:
        raise ProbeError(f"ApiVersions error code {error}")
    ranges = {}
    for _ in range(reader.take(">i")):
        key, low, high = reader.take(">h"), reader.take(">h"), reader.take(">h")
        ranges[key] = (low, high)
    return ranges


def metadata_body(version: int) -> bytes:
    if version >= FIRST_FLEXIBLE_METADATA:
        body = b"\x00"  # topics: null compact array -> no topics requested
        body += b"\x00"  # allow_auto_topic_creation
        if version <= 10:
            body += b"\x00"  # include_cluster_authorized_operations
        return body + b"\x00" + b"\x00"  # include_topic_authorized_ops, tags
    body = struct.pack(">i", -1) + b"\x00"  # topics null, allow_auto_topic_creation
    if version >= 8:
        body += b"\x00\x00"  # include_{cluster,topic}_authorized_operations
    return body


def brokers(sock: socket.socket, version: int) -> list[str]:
    flexible = version >= FIRST_FLEXIBLE_METADATA
    reader = call(sock, METADATA, version, 2, metadata_body(version), flexible=flexible)
    reader.take(">i")  # throttle_time_ms
    count = reader.varint() - 1 if flexible else reader.take(">i")
    found = []
    for _ in range(max(count, 0)):
        node_id = reader.take(">i")
        host = reader.string(flexible)
        port = reader.take(">i")
        reader.string(flexible)  # rack
        if flexible:
            reader.skip_tags()
        found.append(f"{node_id}@{host}:{port}")
    return found


def check_group_coordinator(sock: socket.socket, low: int, high: int) -> None:
    """Raise unless a consumer-group coordinator is available.

    The first FindCoordinator also makes the broker create __consumer_offsets,
    so the first consumer group of a test does not wait for it.
    """
    version = next((v for v in (2, 1) if low <= v <= high), None)
    if version is None:
        return  # only batched (v4+) versions left: skip this check
    key = CLIENT_ID
    body = struct.pack(">h", len(key)) + key + b"\x00"  # key, key_type=group
    reader = call(sock, FIND_COORDINATOR, version, 3, body, flexible=False)
    reader.take(">i")  # throttle_time_ms
    error = reader.take(">h")
    if error:
        message = reader.string(compact=False) or ""
        raise ProbeError(f"group coordinator not available yet (error {error}) {message}")


def probe(host: str, port: int, timeout: float) -> list[str]:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        ranges = api_versions(sock)
        if METADATA not in ranges:
            raise ProbeError("broker does not list the Metadata API")
        low, high = ranges[METADATA]
        version = min(high, 12)
        if version < max(low, 4):
            raise ProbeError(f"no usable Metadata version (broker: {low}..{high})")
        found = brokers(sock, version)
        if found and FIND_COORDINATOR in ranges:
            check_group_coordinator(sock, *ranges[FIND_COORDINATOR])
        return found


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    host, port = argv[1], int(argv[2])
    timeout = float(argv[3]) if len(argv) == 4 else 3.0
    try:
        found = probe(host, port, timeout)
    except (OSError, ProbeError) as exc:
        print(f"kafka probe {host}:{port}: {exc}", file=sys.stderr)
        return 1
    if not found:
        print(f"kafka probe {host}:{port}: no broker registered yet", file=sys.stderr)
        return 1
    print(" ".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
