"""Throwaway PostgreSQL databases: one per test module or service under test."""

from __future__ import annotations

import secrets

import psycopg
from psycopg import sql


def create_database(server_url: str, prefix: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{server_url}/{name}"


def drop_database(database_url: str) -> None:
    server_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def set_connections_allowed(database_url: str, allowed: bool) -> None:
    """Make a database refuse (and drop) connections, as if its server were unreachable."""
    server_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("true" if allowed else "false")
            )
        )
        if not allowed:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
