"""Creating a customer account and announcing it."""

from __future__ import annotations

from dataclasses import dataclass

from customer_account.domain.customer import Customer, RegistrationChannel, new_customer
from customer_account.domain.errors import EmailAlreadyRegistered
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import RegistrationSource, UserRegistered


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    first_name: str
    last_name: str
    email: str
    password_hash: str
    organization: str | None
    channel: RegistrationChannel = RegistrationChannel.SELF_REGISTRATION


async def register_customer(uow: CustomerUnitOfWork, command: RegisterCustomer) -> Customer:
    customer = new_customer(
        first_name=command.first_name,
        last_name=command.last_name,
        email=command.email,
        password_hash=command.password_hash,
        organization=command.organization,
    )
    if not await uow.customers.add_if_email_free(customer):
        raise EmailAlreadyRegistered(customer.email)
    uow.emit(
        UserRegistered(
            customer_id=customer.id,
            email=customer.email,
            first_name=customer.first_name,
            last_name=customer.last_name,
            organization=customer.organization,
            source=RegistrationSource(command.channel.value),
            registered_at=customer.created_at,
        )
    )
    await uow.commit()
    return customer
