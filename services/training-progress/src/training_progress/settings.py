from __future__ import annotations

from trainyard_common.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8004
