"""The gateway refuses to start in production with an empty or well-known admin password."""

import pytest
from pydantic import ValidationError

from gateway.settings import Settings

DB = "postgresql://trainyard:trainyard@127.0.0.1:5432/gateway"
SERVICE_KEY = "k" * 40  # production refuses the development service key


@pytest.mark.parametrize("password", ["", "admin", "change-me", "Change-Me", " admin ", "changeme", "password"])
def test_production_refuses_a_default_admin_password(password: str) -> None:
    with pytest.raises(ValidationError, match="TRAINYARD_ADMIN_PASSWORD"):
        Settings(environment="production", database_url=DB, service_auth_keys=SERVICE_KEY, admin_password=password)


def test_production_accepts_a_real_password() -> None:
    settings = Settings(
        environment="production",
        database_url=DB,
        service_auth_keys=SERVICE_KEY,
        admin_password="k3J9-long-and-unguessable",
    )
    assert settings.admin_password.get_secret_value() == "k3J9-long-and-unguessable"


def test_development_accepts_the_default_password() -> None:
    assert Settings(environment="development", database_url=DB).admin_password_is_default


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PORT", "TOKEN_TTL_SECONDS", "CLIENT_DIRECTORY_URL", "SERVICE_TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"TRAINYARD_{name}", raising=False)
    settings = Settings(database_url=DB)
    assert settings.http_port == 8000
    assert settings.token_ttl_seconds == 900
    assert settings.client_directory_url == "http://127.0.0.1:8001"
    assert settings.customer_account_url == "http://127.0.0.1:8002"
    assert settings.commerce_access_url == "http://127.0.0.1:8003"
    assert settings.training_progress_url == "http://127.0.0.1:8004"
    assert settings.service_timeout_seconds == 5


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINYARD_ADMIN_USERNAME", "boss")
    monkeypatch.setenv("TRAINYARD_ADMIN_PASSWORD", "from-the-env-123")
    monkeypatch.setenv("TRAINYARD_TOKEN_TTL_SECONDS", "60")
    settings = Settings(database_url=DB)
    assert (settings.admin_username, settings.admin_password.get_secret_value()) == ("boss", "from-the-env-123")
    assert settings.token_ttl_seconds == 60
    assert "from-the-env-123" not in repr(settings)
