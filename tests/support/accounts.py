"""The first admin of the system the end-to-end and browser suites share (tests/conftest.py)."""

import secrets

ADMIN_USERNAME = "e2e-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
"""Made once per test run: this module is imported once, whoever asks first."""
