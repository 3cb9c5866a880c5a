"""The client's address: ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from trusted proxies.

uvicorn's own proxy handling is off (``cli.py``): by default it trusts 127.0.0.1, so locally any
client could name its own address — past per-address limits and into the login history. Here the
forwarded headers count only when the peer is in ``TRAINYARD_TRUSTED_PROXIES`` (CIDRs, default
none). ``X-Forwarded-For`` is read from the right: each hop appended the address it saw, so the
client is the first address that is not a trusted proxy. An entry that is not an IP address stops
the walk (what lies left of it was written by the client) and is never stored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_FORWARDED_FOR = b"x-forwarded-for"
_FORWARDED_PROTO = b"x-forwarded-proto"
_SCHEMES = {"http": {"http", "https"}, "websocket": {"ws", "wss"}}
_WEBSOCKET_SCHEME = {"http": "ws", "https": "wss"}


def parse_networks(values: Sequence[str]) -> list[IPNetwork]:
    """CIDRs (``10.0.0.0/8``) or single addresses; ``ValueError`` for anything else."""
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def parse_address(value: str) -> IPAddress | None:
    """An IP address as a proxy writes it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``),
    or None when it is not one."""
    text = value.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: IPAddress, forwarded_for: str, trusted: Sequence[IPNetwork]) -> IPAddress:
    """The client behind ``peer`` by the ``X-Forwarded-For`` chain, trusting only ``trusted``."""
    current = peer
    for entry in reversed(forwarded_for.split(",")):
        if not _is_trusted(current, trusted):
            break
        hop = parse_address(entry)
        if hop is None:
            break
        current = hop
    return current


class TrustedProxyMiddleware:
    """Rewrites the ASGI ``client`` (and ``scheme``) from forwarded headers sent by a trusted peer."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[IPNetwork]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in _SCHEMES and scope.get("client"):
            peer = parse_address(str(scope["client"][0]))
            if peer is not None and _is_trusted(peer, self.trusted):
                scope = self._forwarded(scope, peer)
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope, peer: IPAddress) -> Scope:
        headers: dict[bytes, list[str]] = {}
        for name, value in scope["headers"]:
            if name in (_FORWARDED_FOR, _FORWARDED_PROTO):
                headers.setdefault(name, []).append(value.decode("latin-1"))
        scope = dict(scope)
        if _FORWARDED_PROTO in headers:
            proto = headers[_FORWARDED_PROTO][-1].split(",")[-1].strip().lower()
            if scope["type"] == "websocket":
                proto = _WEBSOCKET_SCHEME.get(proto, proto)
            if proto in _SCHEMES[scope["type"]]:
                scope["scheme"] = proto
        if _FORWARDED_FOR in headers:
            client = client_address(peer, ",".join(headers[_FORWARDED_FOR]), self.trusted)
            if client != peer:
                scope["client"] = (str(client), 0)
        return scope


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
