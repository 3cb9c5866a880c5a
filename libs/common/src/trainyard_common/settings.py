"""Service settings from the environment (``TRAINYARD_*``), validated at start-up."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from trainyard_common.http.proxies import IPNetwork, parse_networks
from trainyard_common.http.service_auth import DEVELOPMENT_KEY, MIN_KEY_LENGTH
from trainyard_common.messaging.pruning import default_keep_days
from trainyard_common.passwords.hashing import PasswordHashCost


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    """What every Trainyard service needs: Kafka, its own database, HTTP, logging, retries."""

    model_config = SettingsConfigDict(env_prefix="TRAINYARD_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    kafka_bootstrap: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap servers.")
    database_url: str = Field(
        default="",
        description="This service's own PostgreSQL database, postgresql+psycopg://… or postgresql://…",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    migrate_on_start: bool = Field(
        default=True,
        description="Run Alembic migrations at start-up. Off in Kubernetes, where a Job runs them.",
    )
    topic_prefix: str = Field(
        default="",
        description="Prepended to every topic name, to share one cluster between environments (or test runs).",
    )
    outbox_relay_enabled: bool = Field(
        default=True, description="Publish the outbox from this process (off: another process does it)."
    )
    outbox_batch_size: int = Field(
        default=5000,
        ge=1,
        description="Outbox rows per relay cycle (one transaction, acknowledged by Kafka as a whole).",
    )
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_linger_seconds: float = Field(
        default=0.02, ge=0, description="After a commit wakes the relay, wait this long so a burst goes in one batch."
    )
    shutdown_grace_seconds: float = Field(
        default=20.0, gt=0, description="SIGTERM to exit: finish messages in flight, commit, flush the outbox."
    )
    consumer_max_attempts: int = Field(
        default=5, ge=1, description="Attempts before a failing message is dead-lettered."
    )
    consumer_batch_size: int = Field(
        default=5000, ge=1, description="Most records one fetch hands over; each partition's share is one transaction."
    )
    consumer_retry_base_seconds: float = Field(default=0.2, gt=0)
    consumer_retry_max_seconds: float = Field(default=5.0, gt=0)
    offset_commit_interval_seconds: float = Field(default=0.5, gt=0)
    processed_events_keep_days: int = Field(
        default_factory=default_keep_days,
        ge=1,
        description="Claims older than this are pruned: as long as a record may come back (messaging/pruning.py).",
    )

    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(
        default_factory=list,
        description="Networks (CIDRs, comma-separated) whose X-Forwarded-For / X-Forwarded-Proto are honoured: "
        "the ingress controllers. Default none: the peer's address is the client's.",
    )
    service_auth_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEVELOPMENT_KEY)],
        description="Shared keys (comma-separated) of the gateway's service tokens: the gateway signs with the "
        "first, a service accepts any. Production refuses the development default and keys under 32 characters.",
    )
    service_token_ttl_seconds: float = Field(
        default=30.0, gt=0, le=300, description="Lifetime of the token the gateway signs for one call to a service."
    )
    customer_account_url: str = Field(
        default="http://127.0.0.1:8002",
        description="customer-account, whose customer keys a service reading sealed personal fields asks for "
        "(trainyard_common.privacy.key_source).",
    )
    customer_key_cache_seconds: float = Field(
        default=300.0, gt=0, description="How long a consumer keeps a customer's key before asking again."
    )
    password_hash_cost: PasswordHashCost = Field(
        default=PasswordHashCost.RFC_9106_LOW_MEMORY,
        description="argon2id's cost where passwords are hashed (customer-account, the gateway): "
        "`rfc9106-low-memory`, or `tests-only` (argon2-cffi's cheapest profile; production refuses it).",
    )
    personal_fields_in_clear: bool = Field(
        default=False,
        description="Benchmarks only: consumers take version 2 events' personal fields as they come, asking no "
        "key (bench/registrations.py's clear round, written in clear). Production refuses it.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the separate /metrics server (Prometheus only); default the HTTP port + 1000.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return parse_networks([str(v) for v in value])
        return value

    @field_validator("service_auth_keys", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [k.strip() for k in value.split(",") if k.strip()]
        if isinstance(value, list | tuple) and not value:
            raise ValueError("at least one service auth key is needed")
        return value

    @model_validator(mode="after")
    def _database_required(self) -> ServiceSettings:
        if not self.database_url:
            raise ValueError("TRAINYARD_DATABASE_URL is required")
        return self

    @model_validator(mode="after")
    def _real_service_keys_in_production(self) -> ServiceSettings:
        if self.environment is Environment.PRODUCTION:
            for key in self.service_keys:
                if key == DEVELOPMENT_KEY or len(key) < MIN_KEY_LENGTH:
                    raise ValueError(
                        f"TRAINYARD_SERVICE_AUTH_KEYS: production needs keys of {MIN_KEY_LENGTH}+ characters, "
                        "not the development default"
                    )
        return self

    @model_validator(mode="after")
    def _no_benchmark_shortcuts_in_production(self) -> ServiceSettings:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.password_hash_cost is PasswordHashCost.TESTS_ONLY:
            raise ValueError("TRAINYARD_PASSWORD_HASH_COST: production refuses the tests-only cost")
        if self.personal_fields_in_clear:
            raise ValueError("TRAINYARD_PERSONAL_FIELDS_IN_CLEAR: production reads personal fields sealed only")
        return self

    @property
    def service_keys(self) -> list[str]:
        """The service-token keys in clear, the signing one first."""
        return [k.get_secret_value() for k in self.service_auth_keys]

    @property
    def metrics_listen_port(self) -> int:
        return self.http_port + 1000 if self.metrics_port is None else self.metrics_port


S = TypeVar("S", bound=ServiceSettings)


def settings_of_kind(settings: ServiceSettings, kind: type[S]) -> S:
    """``settings`` as the service's own ``Settings`` class: its defaults fill what tests and the
    shared launcher did not set, so a bootstrap never repeats a default as a fallback."""
    return settings if isinstance(settings, kind) else kind.model_validate(settings.model_dump())
