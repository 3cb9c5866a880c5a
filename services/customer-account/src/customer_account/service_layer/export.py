"""customer-account's part of a customer's GDPR export: one CSV per kind of data."""

from __future__ import annotations

import uuid

from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.csv_cells import export_file
from trainyard_common.http.export_parts import ExportPart

ALL = 1_000_000  # a customer's own history fits; the export is one customer's


async def export_part(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> ExportPart | None:
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            return None
        groups = await uow.groups.of_customer(customer_id)
        logins, _ = await uow.logins.of_customer(customer_id, limit=ALL, offset=0)
        activity, _ = await uow.activity.of_customer(customer_id, limit=ALL, offset=0)
        orders, _ = await uow.orders.of_customer(customer_id, limit=ALL, offset=0)
    c = customer
    profile = (
        "id",
        "first_name",
        "last_name",
        "email",
        "organization",
        "status",
        "tax_exempt",
        "created_at",
        "password_expires_at",
        "password_change_required",
        "erased_at",
    )
    return ExportPart(
        files=[
            export_file(
                "profile.csv",
                profile,
                [
                    (
                        c.id,
                        c.first_name,
                        c.last_name,
                        c.email,
                        c.organization,
                        c.status.value,
                        c.tax_exempt,
                        c.created_at.isoformat(),
                        c.password_expires_at,
                        c.password_change_required,
                        c.erased_at,
                    )
                ],
            ),
            export_file("groups.csv", ("group_id", "name"), [(g.id, g.name) for g in groups]),
            export_file(
                "login_history.csv", ("at", "ip", "success"), [(a.at.isoformat(), a.ip, a.success) for a in logins]
            ),
            export_file(
                "activity_log.csv",
                ("at", "type", "actor", "impersonated"),
                [(a.at.isoformat(), a.type, a.actor.label, a.actor.impersonated) for a in activity],
            ),
            export_file(
                "order_history.csv",
                ("order_id", "completed_at", "source", "total", "currency", "products"),
                [
                    (
                        o.order_id,
                        o.completed_at.isoformat(),
                        o.source,
                        format(o.total, "f"),
                        o.currency,
                        "; ".join(f"{line['quantity']} x {line['product_name']}" for line in o.lines),
                    )
                    for o in orders
                ],
            ),
        ]
    )
