"""The gateway's settings: the first admin, token lifetime and where each service answers."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from trainyard_common.settings import Environment, ServiceSettings

KNOWN_DEFAULT_PASSWORDS = frozenset({"", "admin", "change-me", "changeme", "changethis", "password", "trainyard"})


class Settings(ServiceSettings):
    http_port: int = 8000
    admin_username: str = Field(default="admin", description="The first admin, created at start-up if missing.")
    admin_password: SecretStr = Field(
        default=SecretStr("change-me"), description="Its password; refused in production when empty or a default."
    )
    token_ttl_seconds: int = Field(default=900, gt=0, description="Lifetime of an admin bearer token.")
    client_directory_url: str = "http://127.0.0.1:8001"
    customer_account_url: str = "http://127.0.0.1:8002"
    commerce_access_url: str = "http://127.0.0.1:8003"
    training_progress_url: str = "http://127.0.0.1:8004"
    service_timeout_seconds: float = Field(default=5.0, gt=0, description="Per-call timeout towards a service.")
    service_max_connections: int = Field(default=50, gt=0, description="Open connections kept per service.")
    section_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Per-section timeout of the customer page (a slow service's section is skipped)."
    )
    sign_in_window_seconds: int = Field(default=900, gt=0, description="Window for counting failed admin sign-ins.")
    sign_in_max_failures_per_username: int = Field(default=5, gt=0, description="Failures per username per window.")
    sign_in_max_failures_per_ip: int = Field(default=20, gt=0, description="Failures per client IP per window.")
    max_json_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest JSON request body (413 beyond).")
    max_upload_bytes: int = Field(default=64 * 1_048_576, gt=0, description="Largest upload (413 beyond).")

    @model_validator(mode="after")
    def _no_default_admin_password_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.admin_password_is_default:
            raise ValueError("TRAINYARD_ADMIN_PASSWORD must be set to a non-default value in production")
        return self

    @property
    def admin_password_is_default(self) -> bool:
        return self.admin_password.get_secret_value().strip().lower() in KNOWN_DEFAULT_PASSWORDS
