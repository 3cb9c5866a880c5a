"""Issue 15 item 16: a statement failing on an e-mail value raises and logs no e-mail (the
engine hides parameters and drops the server's DETAIL); the failure is still named."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from trainyard_common.db.engine import make_engine
from trainyard_common.logs import configure_logging, get_logger

pytestmark = pytest.mark.integration

EMAIL = "bob.secret@example.com"


@pytest.fixture
async def conn(new_database: Callable[[str], str]) -> AsyncIterator[AsyncConnection]:
    engine = make_engine(new_database("error_texts"), pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text("CREATE TABLE people (email text UNIQUE CHECK (email NOT LIKE 'evil%'), n int)")
            )
            await connection.execute(text("INSERT INTO people VALUES (:email, 1)"), {"email": EMAIL})
            yield connection
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("statement", "email", "error", "named"),
    [
        ("INSERT INTO people VALUES (:email, 2)", EMAIL, IntegrityError, 'unique constraint "people_email_key"'),
        (
            "INSERT INTO people VALUES (:email, 2)",
            "evil." + EMAIL,
            IntegrityError,
            'check constraint "people_email_check"',
        ),
        ("SELECT CAST(:email AS uuid)", EMAIL, DataError, "invalid input syntax for type uuid"),
    ],
)
async def test_a_failing_statement_raises_and_logs_no_value(
    conn: AsyncConnection,
    capsys: pytest.CaptureFixture[str],
    statement: str,
    email: str,
    error: type[Exception],
    named: str,
) -> None:
    configure_logging("db-error-texts-test")
    with pytest.raises(error) as raised:
        async with conn.begin_nested():
            await conn.execute(text(statement), {"email": email})
    try:
        raise raised.value
    except error as exc:
        get_logger("db-error-texts-test").exception("unhandled error", error=exc, text=repr(exc))
    out = capsys.readouterr().out
    for said in (str(raised.value), repr(raised.value), str(raised.value.__cause__), out):
        assert "bob.secret" not in said
    assert named in str(raised.value)
    assert named in json.loads(out.strip().splitlines()[-1])["exception"]
    assert raised.value.orig.diag.sqlstate  # type: ignore[attr-defined]  # the driver's details remain for code
