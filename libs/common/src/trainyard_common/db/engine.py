"""Async SQLAlchemy engine and session factory on psycopg 3.

A failing statement's error carries no values (issue 15, V16): SQLAlchemy hides the statement's
parameters (``hide_parameters``), and the server's DETAIL/CONTEXT lines (``Key (email)=(...)
already exists``, ``Failing row contains (...)``) and a data error's quoted value (``invalid
input syntax for type uuid: "..."``) are dropped from the text. The driver's ``diag`` still
holds them for code that needs them (``exc.orig.diag.message_detail``); logs never see them.
"""

from __future__ import annotations

import re

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_QUOTED_VALUE = re.compile(r':\s*".*"\s*$', re.DOTALL)


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (what operators write) and use the psycopg driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    raise ValueError(f"not a PostgreSQL URL: {url.rsplit('@', maxsplit=1)[-1]}")


def driver_free_url(engine: AsyncEngine) -> str:
    """``engine``'s database as a plain ``postgresql://`` URL (password included), for a psycopg
    connection of its own outside the pool (a ``LISTEN`` that stays open)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, autocommit: bool = False) -> AsyncEngine:
    """No pre-ping (a round trip per transaction): a connection the server dropped fails on use,
    SQLAlchemy then discards the whole pool, the consumer retries (transient) and HTTP answers 503.

    No overflow: under load, overflow connections are opened for one transaction and closed
    again, and connecting costs far more CPU than waiting for a pooled connection (py-spy on
    the customer page benchmark). Requests queue for a connection instead.

    ``autocommit``: for a pool that only runs single statements outside a transaction (a hot
    read). Its connections are made in autocommit; ``execution_options(isolation_level=...)``
    on a transactional engine switches each connection on checkout and back on return instead.
    """
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=1800,
        hide_parameters=True,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    event.listen(engine.sync_engine, "handle_error", errors_without_values)
    return engine


def errors_without_values(context: ExceptionContext) -> None:
    """``handle_error`` listener: the server's error text cut to its primary message, without a
    quoted value; the driver's exception and SQLAlchemy's wrapper both say only that."""
    driver_error = context.original_exception
    if not isinstance(driver_error, psycopg.Error) or not strip_values(driver_error):
        return
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        kind = type(driver_error)
        wrapped.args = (f"({kind.__module__}.{kind.__name__}) {driver_error.args[0]}",)


def strip_values(driver_error: psycopg.Error) -> bool:
    """Cut a server error's text to its primary message without a quoted value; False when it is
    not a server error (a connection failure carries no submitted values)."""
    primary = driver_error.diag.message_primary
    if primary is None:
        return False
    driver_error.args = (_QUOTED_VALUE.sub("", primary),)
    return True


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
