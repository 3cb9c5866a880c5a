from __future__ import annotations

from pydantic import Field

from trainyard_common.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8003
    access_expiry_sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often ended access rows are looked for (AccessExpired)."
    )
