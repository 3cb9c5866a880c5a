"""Admin tokens: random, stored only as a SHA-256 hash, valid until they expire or are revoked."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from gateway.domain.tokens import AdminToken, hash_token, issue_token

NOW = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)


def test_a_token_hash_is_the_sha256_hex_of_the_token() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") == hash_token("abc")
    assert hash_token("abc") != hash_token("abd")
    assert len(hash_token("abc")) == 64


def test_an_issued_token_is_random_and_only_its_hash_is_kept() -> None:
    admin_id = uuid.uuid4()
    first, second = issue_token(admin_id, now=NOW, ttl_seconds=900), issue_token(admin_id, now=NOW, ttl_seconds=900)
    assert first.raw != second.raw
    assert len(first.raw) >= 43  # 32 random bytes, URL-safe base64
    assert first.token.token_hash == hash_token(first.raw)
    assert first.raw not in first.token.token_hash
    assert first.token.admin_id == admin_id
    assert first.token.expires_at == NOW + timedelta(seconds=900)


def test_a_token_is_active_until_it_expires() -> None:
    token = AdminToken(token_hash="h", admin_id=uuid.uuid4(), expires_at=NOW)
    assert token.is_active(NOW - timedelta(seconds=1))
    assert not token.is_active(NOW)
    assert not token.is_active(NOW + timedelta(days=1))


def test_a_revoked_token_is_not_active() -> None:
    token = AdminToken(token_hash="h", admin_id=uuid.uuid4(), expires_at=NOW, revoked_at=NOW - timedelta(hours=1))
    assert not token.is_active(NOW - timedelta(minutes=1))
