"""Creating a customer account — by public registration or by an admin — and announcing it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from customer_account.domain.activity import Activity
from customer_account.domain.actors import CUSTOMER, Actor
from customer_account.domain.customer import Customer, RegistrationChannel, new_customer, now
from customer_account.domain.errors import EmailAlreadyRegistered
from customer_account.service_layer.groups import automatic_groups, ensure_groups_exist, join_groups
from customer_account.service_layer.messages import welcome_email
from customer_account.service_layer.password_setup import SetupLinks, issue_links
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import UserRegisteredV2
from trainyard_common.vocabulary import RegistrationSource


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    first_name: str
    last_name: str
    email: str
    password_hash: str
    organization: str | None
    channel: RegistrationChannel = RegistrationChannel.SELF_REGISTRATION
    group_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    actor: Actor = CUSTOMER
    welcome: bool = False
    setup_links: SetupLinks | None = None
    """The password was generated (no one knows it): the welcome e-mail carries a one-time
    set-password link from these instead (the password itself is never e-mailed nor stored)."""


async def register_customer(uow: CustomerUnitOfWork, command: RegisterCustomer) -> Customer:
    customer = new_customer(
        first_name=command.first_name,
        last_name=command.last_name,
        email=command.email,
        password_hash=command.password_hash,
        organization=command.organization,
    )
    await ensure_groups_exist(uow, command.group_ids)
    if not await uow.customers.add_if_email_free(customer):
        raise EmailAlreadyRegistered(str(customer.email))
    # The key of its personal data, in this transaction; version 2 of the event carries them sealed with it.
    keys = await uow.keys.create_new([customer.id], customer.created_at)
    registered = registered_event(customer, RegistrationSource(command.channel.value), keys[customer.id])
    uow.emit(registered.version_1())  # deprecated: the personal fields empty
    uow.emit(registered)
    uow.activity.add(
        Activity(customer.id, "created", command.actor, customer.created_at, {"channel": command.channel.value})
    )
    groups = set(command.group_ids) | await automatic_groups(uow, str(customer.email))
    await join_groups(uow, customer.id, groups, command.actor, customer.created_at)
    if command.welcome:
        at = now()
        link = None
        if command.setup_links is not None:
            link = (await issue_links(uow, command.setup_links, [customer.id], at))[customer.id]
        await uow.emails.add([welcome_email(customer, setup_link=link)], at)
    await uow.commit()
    return customer


def registered_event(customer: Customer, source: RegistrationSource, key: bytes) -> UserRegisteredV2:
    """The registration, its personal fields sealed with the customer's ``key`` (``version_1()``:
    the deprecated version 1, those fields empty)."""
    return UserRegisteredV2.sealing(registered_values(customer, source), key)


def registered_values(customer: Customer, source: RegistrationSource) -> dict[str, Any]:
    """The registration's fields in clear."""
    return {
        "customer_id": customer.id,
        "email": str(customer.email),
        "first_name": str(customer.first_name),
        "last_name": str(customer.last_name),
        "organization": customer.organization,
        "source": source,
        "registered_at": customer.created_at,
    }
