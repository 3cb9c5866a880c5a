"""One-time set-password links: issued with a welcome e-mail in place of a generated password,
used once by the learner to choose a password (``domain/password_setup.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from customer_account.domain.activity import Activity
from customer_account.domain.actors import CUSTOMER, Actor
from customer_account.domain.customer import Customer, CustomerStatus, now
from customer_account.domain.emails import Email
from customer_account.domain.errors import CustomerNotFound, NotAllowed
from customer_account.domain.password_setup import InvalidSetupToken, new_setup_token, setup_link
from customer_account.domain.sign_in import require_acceptable_password, token_hash
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork

if TYPE_CHECKING:
    import uuid

    from customer_account.settings import Settings


@dataclass(frozen=True, slots=True)
class SetupLinks:
    """Where the links point (the learner site) and how long they work."""

    site_url: str
    ttl: timedelta = timedelta(days=7)

    @classmethod
    def of(cls, settings: Settings) -> SetupLinks:
        return cls(settings.learner_site_url, timedelta(days=settings.password_setup_link_days))


async def issue_links(
    uow: CustomerUnitOfWork, links: SetupLinks, customer_ids: Sequence[uuid.UUID], at: datetime
) -> dict[uuid.UUID, str]:
    """A link per customer, in the caller's transaction (with the e-mail that carries it)."""
    issued = {customer_id: new_setup_token(customer_id, at, links.ttl) for customer_id in customer_ids}
    await uow.setup_tokens.add([stored for _, stored in issued.values()])
    return {customer_id: setup_link(links.site_url, token) for customer_id, (token, _) in issued.items()}


async def set_password_by_link(uow: CustomerUnitOfWork, token: str, password: str) -> None:
    """The policy first (422 ``weak_password``: the link stays usable), then the link (422
    ``invalid_setup_token``: unknown, used, expired), then argon2id; the link and the customer's
    other links end, and so do all the customer's sessions, with the password set."""
    require_acceptable_password(password)
    hashed = token_hash(token)
    async with uow:
        found = await uow.setup_tokens.get(hashed)
    if found is None or not found.usable(now()):
        raise InvalidSetupToken()  # before hashing: a made-up token costs no argon2id
    new_hash = await uow.passwords.hash(password)
    at = now()
    async with uow:
        customer_id = await uow.setup_tokens.take(hashed, at)
        customer = await uow.customers.get(customer_id, for_update=True) if customer_id else None
        if customer is None or customer.erased:
            await uow.commit()  # the token ends all the same
            raise InvalidSetupToken()
        customer.set_password(new_hash, at)  # chosen by the learner: no change required
        await uow.customers.save(customer)
        await uow.setup_tokens.end_all(customer.id, at)
        await uow.sessions.end_all(customer.id)
        uow.activity.add(Activity(customer.id, "password_set_by_link", CUSTOMER, at))
        await uow.commit()


@dataclass(frozen=True, slots=True)
class LinkSent:
    customer_id: uuid.UUID
    sent_to: str
    expires_at: datetime


def password_link_email(customer: Customer, link: str, expires_at: datetime) -> Email:
    """The admin-sent link (issue 17, item 6): the link only, never a password."""
    lines = [
        f"Hello {customer.first_name},",
        "",
        "Choose a password for your Trainyard account with this link (it works once):",
        "",
        f"    {link}",
        "",
        f"The link expires on {expires_at:%Y-%m-%d %H:%M} UTC. Sign in with this e-mail address:",
        "",
        f"    {customer.email}",
    ]
    return Email(str(customer.email), "Set your Trainyard password", "\n".join(lines) + "\n", customer.id)


async def send_password_link(
    uow: CustomerUnitOfWork, links: SetupLinks, customer_id: uuid.UUID, actor: Actor
) -> LinkSent:
    """An admin e-mails the customer a one-time set-password link (issue 17, item 6).

    The new link supersedes the customer's older unused ones (only the latest e-mail works). An
    erased customer (no e-mail address left), one whose deletion is pending, or one not active
    (inactive or locked: the password could not be used to sign in, and a lock is an admin's
    decision the link must not route around) is refused with 409. The link's token, the e-mail
    (outbox) and the activity entry commit together."""
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        if customer.erased:
            raise NotAllowed("customer_erased", "The customer was erased: there is no one to send a link to.")
        if customer.deletion_pending:
            raise NotAllowed("deletion_pending", "The customer's deletion is pending: no link is sent.")
        if customer.status is not CustomerStatus.ACTIVE:
            raise NotAllowed(
                "customer_not_active",
                f"The customer is {customer.status.value}: set the status to active before sending a link.",
            )
        await uow.setup_tokens.end_all(customer.id, at)  # older unused links stop working
        link = (await issue_links(uow, links, [customer.id], at))[customer.id]
        expires_at = at + links.ttl
        await uow.emails.add([password_link_email(customer, link, expires_at)], at)
        uow.activity.add(Activity(customer.id, "password_link_sent", actor, at, {"expires_at": expires_at.isoformat()}))
        await uow.commit()
    return LinkSent(customer.id, str(customer.email), expires_at)
