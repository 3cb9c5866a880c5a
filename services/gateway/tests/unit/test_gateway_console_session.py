"""The console's cookie and CSRF rules (gateway.console.session)."""

from __future__ import annotations

import pytest

from gateway.console.session import (
    CONSOLE_CSP,
    Session,
    cookie_options,
    csrf_token,
    csrf_valid,
    new_pre_session,
)
from trainyard_common.settings import Environment


def test_the_csrf_token_is_bound_to_its_secret() -> None:
    token = csrf_token("session-token-a")
    assert csrf_valid("session-token-a", token)
    assert not csrf_valid("session-token-b", token)  # another session's token
    assert csrf_token("session-token-a") == token  # stateless: any replica computes it
    assert "session-token-a" not in token


@pytest.mark.parametrize("submitted", [None, "", "0" * 64, 42, ["x"]])
def test_a_missing_or_wrong_csrf_token_is_refused(submitted: object) -> None:
    assert not csrf_valid("session-token", submitted)


def test_no_secret_no_valid_token() -> None:
    assert not csrf_valid(None, csrf_token(""))
    assert not csrf_valid("", csrf_token(""))


def test_pre_sessions_are_random() -> None:
    assert new_pre_session() != new_pre_session()
    assert len(new_pre_session()) >= 40


@pytest.mark.parametrize(
    ("environment", "secure"),
    [(Environment.DEVELOPMENT, False), (Environment.TEST, True), (Environment.PRODUCTION, True)],
)
def test_cookies_are_http_only_strict_on_admin_and_secure_outside_development(
    environment: Environment, secure: bool
) -> None:
    assert cookie_options(environment) == {"path": "/admin", "httponly": True, "samesite": "strict", "secure": secure}


def test_the_session_round_trips_through_its_cookie_value() -> None:
    session = Session(token="t0k3n", username="ada", role="viewer")
    assert Session.decode(session.encode()) == session
    assert not session.may_write
    assert Session(token="t", username="ada", role="admin").may_write


@pytest.mark.parametrize(
    "value", [None, "", "not base64 !", "bnVsbA", "eyJ0IjoxfQ", "eyJ0IjoiIiwidSI6ImEiLCJyIjoiYSJ9"]
)
def test_a_malformed_cookie_is_no_session(value: str | None) -> None:
    assert Session.decode(value) is None


def test_the_console_policy_allows_no_inline_script_or_style() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONSOLE_CSP.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
