import uuid
from datetime import UTC, datetime, timedelta, timezone

from training_progress.domain.customers import registered_customer

REGISTERED_AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def test_email_is_kept_lower_cased_and_trimmed() -> None:
    customer = registered_customer(uuid.uuid4(), "  Ada.Lovelace@Explorance.COM ", "Ada", "Lovelace", REGISTERED_AT)

    assert customer.email == "ada.lovelace@explorance.com"
    assert (customer.first_name, customer.last_name) == ("Ada", "Lovelace")


def test_registration_time_keeps_its_offset() -> None:
    montreal = datetime(2025, 3, 14, 5, 26, 53, tzinfo=timezone(timedelta(hours=-4)))

    customer = registered_customer(uuid.uuid4(), "a@b.com", "A", "B", montreal)

    assert customer.registered_at == REGISTERED_AT


def test_registration_time_without_offset_is_utc() -> None:
    customer = registered_customer(uuid.uuid4(), "a@b.com", "A", "B", datetime(2025, 3, 14, 9, 26, 53))

    assert customer.registered_at == REGISTERED_AT
    assert customer.registered_at.tzinfo is UTC


def test_the_same_registration_gives_the_same_customer() -> None:
    customer_id = uuid.uuid4()

    first = registered_customer(customer_id, "Ada@X.com", "Ada", "L", REGISTERED_AT)
    again = registered_customer(customer_id, "ada@x.com", "Ada", "L", REGISTERED_AT)

    assert first == again
