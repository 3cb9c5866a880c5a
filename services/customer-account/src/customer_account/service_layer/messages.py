"""The e-mails customer-account writes: welcome and order confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from customer_account.domain.customer import Customer
from customer_account.domain.emails import Email

DEFAULT_WELCOME_SUBJECT = "Welcome to Trainyard"


def welcome_email(
    customer: Customer,
    *,
    setup_link: str | None = None,
    subject: str | None = None,
    additional_text: str | None = None,
) -> Email:
    """``setup_link``: a one-time link to choose a password (the account has none the learner
    knows). A password is never written into an e-mail: the outbox would hold it in clear."""
    lines = [f"Hello {customer.first_name},", "", "Your account is ready. Sign in with this e-mail address:", ""]
    lines.append(f"    {customer.email}")
    if setup_link:
        lines += ["", "Choose your password with this link (it works once, and expires):", "", f"    {setup_link}"]
    if additional_text:
        lines += ["", additional_text]
    return Email(str(customer.email), subject or DEFAULT_WELCOME_SUBJECT, "\n".join(lines) + "\n", customer.id)


def order_confirmation(
    customer: Customer, order_id: object, lines: Sequence[dict[str, Any]], total: str, currency: str
) -> Email:
    body = [f"Hello {customer.first_name},", "", f"Thank you — your order {order_id} is complete.", ""]
    body += [f"  {line['quantity']} x {line['product_name']}: {line['unit_amount']} {currency}" for line in lines]
    body += ["", f"Total: {total} {currency}"]
    return Email(str(customer.email), "Your order confirmation", "\n".join(body) + "\n", customer.id)


def code_invitation(purchaser: Customer, invitee_email: str, code: str, product_name: str, link: str) -> Email:
    """The purchaser invites someone to redeem one of their registration codes. Filed under the
    purchaser (the invitee has no account yet)."""
    inviter = " ".join(n for n in (purchaser.first_name, purchaser.last_name) if n) or "A Trainyard learner"
    body = [
        "Hello,",
        "",
        f"{inviter} invited you to {product_name} on Trainyard.",
        "",
        "Your registration code:",
        "",
        f"    {code}",
        "",
        "Register (or sign in) and redeem it here:",
        "",
        f"    {link}",
    ]
    return Email(invitee_email, f"{inviter} invited you to {product_name}", "\n".join(body) + "\n", purchaser.id)
