"""Registration code invitations (issue 17, item 3): commerce-access announces that a purchaser
invited someone to one of their codes (RegistrationCodeInvited); customer-account, which owns
e-mail, queues the invitation e-mail: the code, the purchaser's name and a link to register and
redeem (``<learner site>/register?code=<code>``).

Once per event: the consumer's processed_events claim makes a redelivery change nothing. The
e-mail is filed under the purchaser (their erasure or deletion removes it if still unsent).

The invitee's address comes sealed with the purchaser's key (issue 16); it is opened with the key
from this service's own ``customer_keys`` table (never over HTTP). A destroyed key (the purchaser
was erased) or a value that does not open with it: no e-mail."""

from __future__ import annotations

from urllib.parse import quote

from customer_account.domain.customer import now
from customer_account.service_layer.messages import code_invitation
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import RegistrationCodeInvited
from trainyard_common.logs import get_logger
from trainyard_common.privacy import Unreadable, unseal

log = get_logger(__name__)

REGISTER_PATH = "/register"


def register_link(site_url: str, code: str) -> str:
    """Where the invitee registers (or signs in) and redeems the code, which the page fills in."""
    return f"{site_url.rstrip('/')}{REGISTER_PATH}?code={quote(code, safe='')}"


async def send_invitation(uow: CustomerUnitOfWork, event: RegistrationCodeInvited, site_url: str) -> bool:
    """Queue the invitation e-mail; False (nothing queued) when the purchaser is not known here or
    was erased (their invitations are gone with the erasure), or the sealed address does not open
    with the purchaser's key (destroyed: erased or deleted)."""
    purchaser = (await uow.customers.many([event.customer_id])).get(event.customer_id)
    if purchaser is None or purchaser.erased:
        return False
    key = await uow.keys.key_of(event.customer_id)
    if key is None:
        return False
    try:
        invitee = unseal(event.invitee_email, key, customer_id=event.customer_id, field="invitee_email")
    except Unreadable:
        log.warning("invitation e-mail not sent: the invitee's address does not open", code=event.code)
        return False
    link = register_link(site_url, event.code)
    email = code_invitation(purchaser, invitee, event.code, event.product_name, link)
    await uow.emails.add([email], now())
    return True
