"""The gateway's settings: the first admin, token lifetime and where each service answers."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from trainyard_common.passwords.policy import check_password
from trainyard_common.settings import Environment, ServiceSettings

KNOWN_DEFAULT_PASSWORDS = frozenset({"", "admin", "change-me", "changeme", "changethis", "password", "trainyard"})


class Settings(ServiceSettings):
    http_port: int = 8000
    admin_username: str = Field(default="admin", description="The first admin, created at start-up if missing.")
    admin_password: SecretStr = Field(
        default=SecretStr("change-me"),
        description="Its password. It must pass the password policy (12+ characters, not a common password): "
        "production refuses to start otherwise; elsewhere the first admin is then not created.",
    )
    token_ttl_seconds: int = Field(default=900, gt=0, description="Lifetime of an admin bearer token.")
    token_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=1.0,
        description="How long a token check (admin token, learner session) is reused in-process: a revoked token "
        "or ended session is refused within this time (0: every request checks).",
    )
    integration_token_ttl_seconds: int = Field(
        default=900, gt=0, description="Lifetime of an LMS integration's token (client credentials grant)."
    )
    client_directory_url: str = "http://127.0.0.1:8001"
    customer_account_url: str = "http://127.0.0.1:8002"
    commerce_access_url: str = "http://127.0.0.1:8003"
    training_progress_url: str = "http://127.0.0.1:8004"
    service_timeout_seconds: float = Field(default=5.0, gt=0, description="Per-call timeout towards a service.")
    service_max_connections: int = Field(default=50, gt=0, description="Open connections kept per service.")
    section_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Per-section timeout of the customer page (a slow service's section is skipped)."
    )
    customer_view_concurrency: int = Field(
        default=8, gt=0, description="Sections the customer view reads back from the services at once."
    )
    customer_view_read_connections: int = Field(
        default=10, gt=0, description="Database connections kept for the customer page's reads (a pool of its own)."
    )
    customer_view_recheck_seconds: float = Field(
        default=1.0,
        ge=0,
        description="When a section another service changes on an event (without publishing) is read a second time.",
    )
    customer_view_retry_seconds: float = Field(
        default=0.25, gt=0, description="How often the customer view's pending reads are looked at."
    )
    customer_view_throttle_seconds: float = Field(
        default=0.5,
        ge=0,
        description="A section an event changes is read at once unless it was read less than this ago; then "
        "once, this long after the event, for every event meanwhile (a busy customer's orders: one read, not one "
        "per order). 0: every event reads at once.",
    )
    customer_view_retry_max_seconds: float = Field(
        default=60.0, gt=0, description="Longest delay between two reads of a section whose service cannot answer."
    )
    sign_in_window_seconds: int = Field(default=900, gt=0, description="Window for counting failed admin sign-ins.")
    sign_in_max_failures_per_username_and_ip: int = Field(
        default=5, gt=0, description="Failures of one username from one address per window; then 429 for that pair."
    )
    sign_in_max_failures_per_username: int = Field(
        default=5,
        gt=0,
        description="Failures of one username from anywhere per window after which each attempt is delayed "
        "(growing delays, never a block).",
    )
    sign_in_delay_base_seconds: float = Field(
        default=0.5, ge=0, description="First delay past that; it doubles with each further failure."
    )
    sign_in_delay_max_seconds: float = Field(default=5.0, ge=0, description="Longest delay of one sign-in attempt.")
    sign_in_max_failures_per_ip: int = Field(
        default=100, gt=0, description="Failures from one client address (any username) per window; then 429."
    )
    hashing_memory_bytes: int | None = Field(
        default=None,
        gt=0,
        description="Memory the password-hash bound is sized from (half of it for argon2id's 64 MiB per hash); "
        "unset: the cgroup's memory.max, else the machine's memory.",
    )
    hashing_wait_seconds: float = Field(
        default=2.0, ge=0, description="How long a sign-in waits for a free hashing slot before a 503."
    )
    hashing_retry_after_seconds: int = Field(default=1, gt=0, description="Retry-After of that 503.")
    max_json_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest JSON request body (413 beyond).")
    max_upload_bytes: int = Field(default=64 * 1_048_576, gt=0, description="Largest upload (413 beyond).")

    @model_validator(mode="after")
    def _no_default_admin_password_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.admin_password_is_default:
                raise ValueError("TRAINYARD_ADMIN_PASSWORD must be set to a non-default value in production")
            reason = check_password(self.admin_password.get_secret_value())
            if reason is not None:
                raise ValueError(f"TRAINYARD_ADMIN_PASSWORD fails the password policy in production: it {reason}")
        return self

    @property
    def admin_password_is_default(self) -> bool:
        return self.admin_password.get_secret_value().strip().lower() in KNOWN_DEFAULT_PASSWORDS
