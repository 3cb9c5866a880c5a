"""customer-account run in-process (its real lifespan: migrations, consumers, relay, e-mail
sender) on a fresh database, this run's Kafka topics and a real SMTP server on loopback."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from support.customers import Accounts, Mailbox, running_mailbox

from customer_account.bootstrap import bootstrap
from customer_account.settings import Settings
from trainyard_common.testing.databases import create_database, drop_database


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    yield from running_mailbox()


@pytest.fixture(scope="module")
async def accounts(kafka_bootstrap: str, topic_prefix: str, pg_url: str, mailbox: Mailbox) -> AsyncIterator[Accounts]:
    database_url = create_database(pg_url, "customer_account")
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        environment="test",
        offset_commit_interval_seconds=0.2,
        outbox_poll_seconds=0.1,
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.05,
        smtp_host=mailbox.host,
        smtp_port=mailbox.port,
        email_poll_seconds=0.2,
        sign_in_ip_base_delay_seconds=1.0,
        import_max_rows=50,
    )
    runtime, app = bootstrap(settings, name=f"customer-account-{uuid.uuid4().hex[:8]}")
    try:
        async with app.router.lifespan_context(app):
            await runtime.wait_until_consuming()
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://customer-account") as client:
                yield Accounts(runtime, client, kafka_bootstrap, topic_prefix, mailbox)
    finally:
        drop_database(database_url)
