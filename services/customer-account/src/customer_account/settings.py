from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING, KeyEncryptionKeys
from trainyard_common.settings import Environment, ServiceSettings

ERASURE_SERVICES = ["client-directory", "commerce-access", "training-progress"]


class Settings(ServiceSettings):
    http_port: int = 8002
    session_ttl_minutes: int = Field(default=60, ge=1, description="Learner session lifetime.")
    impersonation_ttl_minutes: int = Field(default=15, ge=1, description="Impersonation token lifetime.")
    lockout_max_failures: int = Field(default=5, ge=1, description="Failed sign-ins that lock an account...")
    lockout_window_minutes: int = Field(default=15, ge=1, description="...within this many minutes.")
    lock_cooldown_minutes: int = Field(
        default=30, ge=1, description="An automatic lock lifts by itself after this long (an admin's lock stays)."
    )
    sign_in_ip_free_failures: int = Field(
        default=3, ge=0, description="Failures for one account from one address before that pair is slowed."
    )
    sign_in_ip_base_delay_seconds: float = Field(default=1.0, gt=0, description="First delay; doubles per failure.")
    sign_in_ip_max_delay_seconds: float = Field(default=300.0, gt=0, description="Longest delay of a pair.")
    sign_in_address_max_failures: int = Field(
        default=100,
        ge=1,
        description="Failures from one address, whatever the accounts, that slow down everyone behind it...",
    )
    sign_in_address_window_minutes: int = Field(default=15, ge=1, description="...within this many minutes.")
    hashing_memory_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Memory for concurrent argon2id hashes (64 MiB each; half is used); unset: the cgroup limit.",
    )
    hashing_slots: int | None = Field(
        default=None, ge=1, description="Concurrent argon2id hashes; unset: sized from memory, at most half the cores."
    )
    hashing_wait_seconds: float = Field(
        default=2.0, gt=0, description="How long a hash waits for a slot before the answer is 503 with Retry-After."
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    email_sender: str = "Trainyard <no-reply@trainyard.example>"
    email_enabled: bool = Field(default=True, description="Run the e-mail sender in this process.")
    email_poll_seconds: float = Field(default=1.0, gt=0)
    email_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Failed sends of one e-mail (for its own sake: it cannot be built, or the server refuses it) "
        "before it is marked failed: kept for inspection, never retried. An unreachable server does not count.",
    )
    welcome_email_on_registration: bool = Field(default=False, description="Send a welcome e-mail on registration.")
    learner_site_url: str = Field(
        default="http://localhost:3000",
        pattern=r"^https?://[^\s#?]+$",
        description="The learner site; a welcome e-mail's set-password link is <this>/password-setup#token=<token>.",
    )
    password_setup_link_days: int = Field(
        default=7, ge=1, le=90, description="Days a set-password link works (single use; only its SHA-256 is kept)."
    )
    import_max_rows: int = Field(default=100_000, ge=1, description="Rows an import may hold (more: 413).")
    import_batch_rows: int = Field(default=1_000, ge=1)
    import_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="Currency of an import's Cost.")
    hashing_workers: int = Field(default=2, ge=1, description="Processes hashing imported passwords.")
    erasure_services: list[str] = Field(
        default_factory=lambda: list(ERASURE_SERVICES), description="Services whose receipt completes an erasure."
    )
    key_encryption_keys: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_KEYS_SETTING),
        description="Key-encryption keys of the customers' data keys, `id:base64key,id2:base64key` (32 bytes "
        "each): the first wraps new keys, every one unwraps (rotation: docs/operations.md). Production refuses "
        "the development default.",
    )
    key_rotation_batch: int = Field(default=500, ge=1, description="Keys re-wrapped per transaction by rotate-kek.")

    @field_validator("key_encryption_keys")
    @classmethod
    def _keks_parse(cls, value: SecretStr) -> SecretStr:
        KeyEncryptionKeys.parse(value.get_secret_value())  # a ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _real_keks_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.keks.development:
            raise ValueError(
                "TRAINYARD_KEY_ENCRYPTION_KEYS: production needs its own keys, not the development default"
            )
        return self

    @property
    def keks(self) -> KeyEncryptionKeys:
        return KeyEncryptionKeys.parse(self.key_encryption_keys.get_secret_value())
