"""Async SQLAlchemy engine and session factory on psycopg 3."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (what operators write) and use the psycopg driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    raise ValueError(f"not a PostgreSQL URL: {url.rsplit('@', maxsplit=1)[-1]}")


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """No pre-ping (a round trip per transaction): a connection the server dropped fails on use,
    SQLAlchemy then discards the whole pool, the consumer retries (transient) and HTTP answers 503.

    No overflow: under load, overflow connections are opened for one transaction and closed
    again, and connecting costs far more CPU than waiting for a pooled connection (py-spy on
    the customer page benchmark). Requests queue for a connection instead.
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
