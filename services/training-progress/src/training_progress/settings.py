from __future__ import annotations

from pydantic import Field

from trainyard_common.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8004
    import_inline_seconds: float = Field(
        default=3.0,
        ge=0,
        description="How long an import upload or commit waits for its job before answering 202 (poll the import).",
    )
