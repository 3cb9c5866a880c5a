"""customer-account run in-process (its real lifespan: migrations, consumers, relay, e-mail
sender) on a fresh database, this run's Kafka topics and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from support.customers import Accounts, Mailbox, running_mailbox

from customer_account.bootstrap import bootstrap
from customer_account.settings import Settings
from trainyard_common.testing.in_process import QUICK_SETTINGS, in_process_service


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    yield from running_mailbox()


@pytest.fixture(scope="module")
async def accounts(kafka_bootstrap: str, topic_prefix: str, pg_url: str, mailbox: Mailbox) -> AsyncIterator[Accounts]:
    def settings(database_url: str) -> Settings:
        return Settings(
            kafka_bootstrap=kafka_bootstrap,
            database_url=database_url,
            topic_prefix=topic_prefix,
            smtp_host=mailbox.host,
            smtp_port=mailbox.port,
            email_poll_seconds=0.2,
            sign_in_ip_base_delay_seconds=1.0,
            import_max_rows=50,
            **QUICK_SETTINGS,
        )

    async with in_process_service(
        Accounts,
        bootstrap=bootstrap,
        settings=settings,
        name="customer-account",
        pg_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
        mailbox=mailbox,
    ) as accounts:
        yield accounts
