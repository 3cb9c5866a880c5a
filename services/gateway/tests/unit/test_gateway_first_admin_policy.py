"""Production refuses to start with a first-admin password that fails the one policy (issue 15, item 5)."""

import pytest
from pydantic import ValidationError

from gateway.settings import Settings

DB = "postgresql://u:p@127.0.0.1:5432/gateway"
PRODUCTION = {"environment": "production", "database_url": DB, "service_auth_keys": "k" * 40}


@pytest.mark.parametrize("password", ["short-pw", "password1234", "QWERTYUIOP12", "123456789012"])
def test_production_refuses_a_first_admin_password_that_fails_the_policy(password: str) -> None:
    with pytest.raises(ValidationError, match="TRAINYARD_ADMIN_PASSWORD"):
        Settings(**PRODUCTION, admin_password=password)


def test_production_starts_with_a_password_the_policy_accepts() -> None:
    assert Settings(**PRODUCTION, admin_password="k3J9-long-and-unguessable").admin_password.get_secret_value()
