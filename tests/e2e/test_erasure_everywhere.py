"""Issue 16's whole-system proof: once a customer is erased, their personal data is readable nowhere —
not in any topic or dead-letter topic, not in any service's database — while everything that is not
personal stays readable to every subscriber.

One scenario on the shared system (module fixture ``erased``), then one test per promise:

1. a customer registers through the gateway (unique e-mail, names, organisation), signs in and buys a
   product (an order and an access), an admin renames them, and an import row matches them and
   orders a second product for them (``CustomerImported``);
2. the customer's own records (``UserRegistered``, ``CustomerProfileUpdated`` and ``CustomerImported``,
   both versions) are sent again by a producer speaking an old CloudEvents version: every consumer
   of those topics dead-letters them at once, so the dead-letter topics hold exact copies of the
   customer's events (what a dead letter is: the original key, value and headers);
3. an outside subscriber — an LMS integration holding ``personal-data:read``, reading with a plain
   consumer and ``cryptography`` alone, as docs/subscribing.md says — fetches the customer's key and
   opens their version 2 events: it reads the e-mail and names *before* the erasure;
4. an admin erases the customer; every service sends its receipt;
5. then the whole run's topics are read from the earliest offsets (``erased.records``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from support.commerce import create_product
from support.customers import eventually
from support.erasure import erase
from support.scan import found_in_databases
from support.subscriber import (
    SEALED_PREFIX,
    Seen,
    customer_keys,
    every_record,
    has_schema,
    integration_bearer,
    personal_fields,
    readable_forms,
    unseal,
)

from trainyard_common.testing.kafka import produce_together
from trainyard_common.testing.system import System

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery"
IMPORT_HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"
CARRYING_PERSONAL_DATA = (
    "UserRegistered",
    "UserRegistered.v2",
    "CustomerProfileUpdated",
    "CustomerProfileUpdated.v2",
    "CustomerImported",
    "CustomerImported.v2",
)


@dataclass
class Erased:
    customer_id: str
    personal: list[str]
    """Every e-mail, name and organisation the customer ever had."""
    product_ids: set[str]
    import_id: str
    kept_key: bytes
    """The key the outside subscriber fetched before the erasure (and, against the rules, kept)."""
    certificate: dict[str, Any]
    records: list[Seen]
    """Every record of every topic of the run, read after the erasure."""

    def about(self) -> list[Seen]:
        """The records about the customer: keyed by them, or naming them."""
        wanted = self.customer_id.encode()
        return [r for r in self.records if r.key == wanted or wanted in (r.value or b"")]


@pytest.fixture(scope="module")
def erased(system: System) -> Erased:
    tag = uuid.uuid4().hex[:10]
    person = {
        "email": f"everywhere-{tag}@erasure.example",
        "first_name": f"Augusta{tag}",
        "last_name": f"Byron{tag}",
        "organization": f"Analytical {tag}",
    }
    renamed = {"first_name": f"Countess{tag}", "last_name": f"Lovelace{tag}"}

    with system.admin() as admin, system.public() as public:
        # 1. The customer's history: registration, an order, a profile change, an import row.
        registered = public.post("/api/v1/learner/register", json={**person, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        customer_id = registered.json()["id"]
        session = public.post("/api/v1/learner/sessions", json={"email": person["email"], "password": PASSWORD})
        assert session.status_code == 201, session.text
        learner = {"Authorization": f"Bearer {session.json()['access_token']}"}
        bought, imported_product = create_product(admin, "9.99", 30), create_product(admin, "19.99", 60)
        ordered = public.post(
            "/api/v1/learner/orders", json={"price_id": bought["prices"][0]["price_id"], "quantity": 1}, headers=learner
        )
        assert ordered.status_code in (200, 201), ordered.text
        edited = admin.patch(f"{ADMIN}/customers/{customer_id}", json=renamed)
        assert edited.status_code == 200, edited.text
        price_id = imported_product["prices"][0]["price_id"]
        row = f"{person['first_name']},{person['last_name']},{person['email']},,,{price_id},"
        upload = f"{IMPORT_HEADER}\n{row}\n".encode()
        imported = admin.post(f"{ADMIN}/customer-imports", files={"file": ("c.csv", upload, "text/csv")})
        assert imported.status_code == 200, imported.text
        assert (imported.json()["created"], imported.json()["errors"]) == (0, []), imported.text

        # Both orders reached commerce-access and granted their accesses.
        def both_granted() -> list[Seen]:
            granted = _topics_about(system, customer_id, ("AccessGranted",)).get("AccessGranted", [])
            return granted if len(granted) >= 2 else []

        granted = eventually(both_granted, timeout=60)
        import_id = imported.json()["import_id"]
        assert granted, (
            "the two orders did not both grant an access; accesses: "
            f"{_topics_about(system, customer_id, ('AccessGranted',))}; the import's orders: "
            f"{admin.get(f'{ADMIN}/customer-imports/{import_id}').json().get('orders')}"
        )

        # 2. Dead letters: the customer's records sent again with an unsupported CloudEvents version.
        carrying = _topics_about(system, customer_id, CARRYING_PERSONAL_DATA)
        for topic, records in carrying.items():
            _send_again_unreadable(system, topic, records)
        dead = eventually(
            lambda: _topics_about(system, customer_id, tuple(f"{t}.DLQ" for t in CARRYING_PERSONAL_DATA)), timeout=60
        )
        assert dead, f"no dead letter about the customer (sent again on {sorted(carrying)})"

        # 3. The outside subscriber, before the erasure: key fetched, version 2 events opened.
        subscriber = integration_bearer(admin, public, ["personal-data:read"])
        answer = customer_keys(public, subscriber, [customer_id])
        assert (answer["destroyed"], answer["unknown"]) == ([], []), answer
        kept_key = answer["keys"][customer_id]
        opened = _open_version_2(system, customer_id, kept_key)
        assert opened["UserRegistered.v2.email"] == person["email"]
        assert opened["UserRegistered.v2.first_name"] == person["first_name"]
        assert opened["UserRegistered.v2.last_name"] == person["last_name"]
        assert opened["UserRegistered.v2.organization"] == person["organization"]
        assert opened["CustomerProfileUpdated.v2.first_name"] == renamed["first_name"]
        assert opened["CustomerProfileUpdated.v2.last_name"] == renamed["last_name"]
        assert opened["CustomerImported.v2.email"] == person["email"]

        # 4. The erasure.
        certificate = erase(admin, customer_id)

    # 5. Every record of every topic of the run, dead letters included, as they are now.
    return Erased(
        customer_id=customer_id,
        personal=[*person.values(), *renamed.values()],
        product_ids={bought["id"], imported_product["id"]},
        import_id=str(import_id),
        kept_key=kept_key,
        certificate=certificate,
        records=every_record(system.kafka_bootstrap, system.topic_prefix),
    )


def test_no_topic_or_dead_letter_holds_the_erased_customer_readably(system: System, erased: Erased) -> None:
    """(a) In no topic and no dead-letter topic of the run — key, value or header — is the customer's
    e-mail, a name or the organisation in clear (as it is, in other case, JSON-escaped, base64), and
    their sealed values open with no key anyone can obtain any more."""
    forms = readable_forms(erased.personal)
    clear = sorted(
        {
            f"{record.topic}: {value}"
            for record in erased.records
            for form, value in forms.items()
            if form in record.raw()
        }
    )
    assert clear == [], "the erased customer's personal data in clear on: " + "; ".join(clear)

    # The key is destroyed: the certificate says so, customer-account holds no copy (not even
    # wrapped), its key endpoint answers 410, and the gateway lists the customer as destroyed.
    assert erased.certificate["key_destroyed_at"], erased.certificate
    with psycopg.connect(system.customer_account.env["TRAINYARD_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM customer_keys WHERE customer_id = %s", (erased.customer_id,)
        ).fetchone()
    assert row == (0,), "customer-account still holds the customer's (wrapped) key"
    with system.customer_account.signed() as service:
        gone = service.get(f"/v1/customer-keys/{erased.customer_id}")
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "key_destroyed"
    with system.admin() as admin, system.public() as public:
        subscriber = integration_bearer(admin, public, ["personal-data:read"])
        assert customer_keys(public, subscriber, [erased.customer_id]) == {
            "keys": {},
            "destroyed": [erased.customer_id],
            "unknown": [],
        }

    sealed = _sealed_values(erased)
    assert {topic for topic, _, _ in sealed} >= {
        "UserRegistered.v2",
        "CustomerProfileUpdated.v2",
        "CustomerImported.v2",
    }
    assert any(topic.endswith(".DLQ") for topic, _, _ in sealed), "no sealed dead letter about the customer"
    # The accepted boundary: a key a subscriber fetched before the erasure still opens what it sealed —
    # mathematics cannot take back a copy someone else holds. Trainyard destroys every copy it holds
    # (above) and no longer serves the key to anyone; a subscriber's own copy is its responsibility:
    # docs/subscribing.md tells it to keep keys in memory only, briefly, and to drop them (and what it
    # read with them) on CustomerErased. Any other key — a fresh one, another customer's — opens nothing.
    other = _key_of_someone_else(system)
    for topic, field, text in sealed:
        assert unseal(text, erased.kept_key, erased.customer_id, field), (topic, field)
        with pytest.raises(InvalidTag):
            unseal(text, other, erased.customer_id, field)


def test_a_subscriber_without_the_key_reads_every_event_but_no_personal_field(erased: Erased) -> None:
    """(b) Every event about the customer, dead letters included, read with no key: ids, dates,
    products, amounts are there in clear; every field the schemas mark personal is sealed or blank."""
    about = erased.about()
    topics = {record.topic for record in about}
    assert topics >= {
        "UserRegistered.v2",
        "CustomerProfileUpdated.v2",
        "CustomerImported.v2",
        "OrderCompleted",
        "AccessGranted",
        "CustomerErased",
    }, topics
    assert any(t.endswith(".DLQ") for t in topics), topics

    problems = []
    for record in about:
        assert has_schema(record.topic), record.topic
        payload = json.loads(record.value or b"")
        personal = personal_fields(record.topic)
        for name, value in payload.items():
            readable = not (isinstance(value, str) and value.startswith(SEALED_PREFIX))
            if name in personal and readable and value not in (None, ""):
                problems.append(f"{record.topic}.{name} readable without the key")
            if name not in personal and not readable:
                problems.append(f"{record.topic}.{name} is not personal but sealed")
        if "customer_id" in payload and payload["customer_id"] != erased.customer_id:
            problems.append(f"{record.topic}.customer_id is {payload['customer_id']!r}")
    assert problems == [], problems

    def payloads(topic: str) -> list[dict[str, Any]]:
        """The topic's events about the customer, each once (step 2 sent some twice)."""
        unique = {r.value or b"" for r in about if r.topic == topic}
        return [json.loads(value) for value in sorted(unique)]

    [registered] = payloads("UserRegistered.v2")
    datetime.fromisoformat(registered["registered_at"])
    assert registered["source"] == "self_registration"
    assert {a["product_id"] for a in payloads("AccessGranted")} == erased.product_ids
    assert all(a["starts_on"] and a["order_id"] for a in payloads("AccessGranted"))
    ordered = {line["product_id"] for o in payloads("OrderCompleted") for line in o["lines"]}
    assert ordered == erased.product_ids
    assert {o["total"] for o in payloads("OrderCompleted")} == {"9.99", "19.99"}
    assert [i["import_id"] for i in payloads("CustomerImported.v2")] == [erased.import_id]
    assert payloads("CustomerProfileUpdated.v2")[0]["changed_fields"]
    [gone] = payloads("CustomerErased")
    datetime.fromisoformat(gone["erased_at"])


def test_no_service_database_holds_the_erased_customer(system: System, erased: Erased) -> None:
    """(c) No table of any service's database (the gateway's included) holds the e-mail, a name or
    the organisation, in any text or JSON column."""
    assert eventually(lambda: not found_in_databases(system, erased.personal), timeout=30), found_in_databases(
        system, erased.personal
    )


# --- the scenario's steps -------------------------------------------------------------------------


def _topics_about(system: System, customer_id: str, topics: tuple[str, ...]) -> dict[str, list[Seen]]:
    """The records keyed by the customer on each of ``topics`` (those with none left out)."""
    wanted = {system.topic_prefix + t for t in topics}
    found: dict[str, list[Seen]] = {}
    for record in every_record(system.kafka_bootstrap, system.topic_prefix, only=wanted.__contains__):
        if record.key == customer_id.encode():
            found.setdefault(record.topic, []).append(record)
    return found


def _send_again_unreadable(system: System, topic: str, records: list[Seen]) -> None:
    """The records again, identical but for ``ce_specversion`` (one the consumers do not speak):
    each consuming group dead-letters them at once, value and headers as they were."""
    copies = [
        (
            record.key or b"",
            record.value or b"",
            [(name, b"0.3" if name == "ce_specversion" else value) for name, value in record.headers],
        )
        for record in records
    ]
    asyncio.run(produce_together(system.kafka_bootstrap, system.topic_prefix + topic, copies))


def _open_version_2(system: System, customer_id: str, key: bytes) -> dict[str, str]:
    """``topic.field`` → the clear text, for every sealed field of the customer's version 2 events."""
    opened = {}
    topics = ("UserRegistered.v2", "CustomerProfileUpdated.v2", "CustomerImported.v2")
    for topic, records in _topics_about(system, customer_id, topics).items():
        for record in records:
            for name, value in json.loads(record.value or b"").items():
                if isinstance(value, str) and value.startswith(SEALED_PREFIX):
                    opened[f"{topic}.{name}"] = unseal(value, key, customer_id, name)
    return opened


def _sealed_values(erased: Erased) -> list[tuple[str, str, str]]:
    """(topic, field, sealed text) of every sealed field of every record about the customer."""
    return [
        (record.topic, name, value)
        for record in erased.about()
        for name, value in json.loads(record.value or b"").items()
        if isinstance(value, str) and value.startswith(SEALED_PREFIX)
    ]


def _key_of_someone_else(system: System) -> bytes:
    """Another customer's live key, as the subscriber may legitimately hold it."""
    with system.admin() as admin, system.public() as public:
        tag = uuid.uuid4().hex[:8]
        body = {"email": f"other-{tag}@erasure.example", "first_name": "Other", "last_name": tag, "password": PASSWORD}
        registered = public.post("/api/v1/learner/register", json=body)
        assert registered.status_code == 201, registered.text
        other_id = registered.json()["id"]
        subscriber = integration_bearer(admin, public, ["personal-data:read"])
        return bytes(customer_keys(public, subscriber, [other_id])["keys"][other_id])
