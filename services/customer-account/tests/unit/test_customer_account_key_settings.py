"""The key-encryption keys' settings: production refuses the development default."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from customer_account.settings import Settings
from trainyard_common.privacy import new_data_key

PRODUCTION = {"database_url": "postgresql://x/y", "service_auth_keys": "x" * 40, "environment": "production"}


def test_production_refuses_the_development_key_encryption_keys() -> None:
    with pytest.raises(ValidationError, match="TRAINYARD_KEY_ENCRYPTION_KEYS"):
        Settings(**PRODUCTION)  # type: ignore[arg-type]
    own = f"k1:{base64.b64encode(new_data_key()).decode()}"
    assert Settings(**PRODUCTION, key_encryption_keys=own).keks.current_id == "k1"  # type: ignore[arg-type]


def test_a_kek_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(database_url="postgresql://x/y", key_encryption_keys="k1:c2hvcnQ=")  # type: ignore[arg-type]
