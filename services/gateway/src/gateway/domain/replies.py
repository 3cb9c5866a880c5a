"""What a service behind the gateway answered, or that it could not answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ServiceUnavailable(Exception):
    """The service is down, unreachable or too slow (the gateway answers 503)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} is unavailable: {reason}")
        self.service = service
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServiceReply:
    """A service's answer, kept as bytes so the gateway can pass it on unchanged."""

    status_code: int
    content: bytes
    content_type: str | None
    retry_after: str | None = None
    """The service's ``Retry-After`` (its 503 when what it depends on is away, its 429s): passed on."""

    def json(self) -> Any:
        return json.loads(self.content)
