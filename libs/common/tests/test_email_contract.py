"""The events' e-mail check gives exactly EmailStr's answers and normalised values, only faster."""

from __future__ import annotations

import pytest
from pydantic import EmailStr, TypeAdapter, ValidationError

from trainyard_common.contracts.email import Email

ADDRESSES = [
    "ada@explorance.com",
    "Ada.Lovelace@ACME.Example.COM",
    "first+tag@mail.acme.com",
    "o'brien@acme.com",
    '"quoted local"@acme.com',
    "josé@acme.com",
    "ada@xn--bcher-kva.example",
    "ada@bücher.example",
    "ada@localhost",
    "ada@acme",
    "ada@acme..com",
    "ada@-acme.com",
    "ada@acme.com.",
    "a" * 65 + "@acme.com",
    "a@" + "b" * 250 + ".com",
    "ada.@acme.com",
    ".ada@acme.com",
    "ada..b@acme.com",
    "acme.com@evil.com",
    "no-at-sign",
    "@acme.com",
    "ada@",
    "ada@acme.invalid",
    "ada@example.local",
    "ada@[192.168.0.1]",
    "ada@123.com",
]


def outcome(adapter: TypeAdapter[str], address: str) -> str:
    try:
        return "ok " + adapter.validate_python(address)
    except ValidationError:
        return "refused"


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_same_answer_and_normalised_value_as_emailstr(address: str) -> None:
    assert outcome(TypeAdapter(Email), address) == outcome(TypeAdapter(EmailStr), address)


def test_a_plain_address_is_normalised_as_emailstr_does() -> None:
    assert TypeAdapter(Email).validate_python("Ada@ACME.com") == "Ada@acme.com"
