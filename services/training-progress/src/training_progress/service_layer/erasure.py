"""A customer erased or deleted: scrub or drop what training-progress holds, then send the receipt."""

from __future__ import annotations

import uuid

from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.erasure import send_erasure_receipt
from trainyard_common.vocabulary import ErasureKind, ServiceName


async def erase_customer(uow: ProgressUnitOfWork, customer_id: uuid.UUID) -> None:
    """Personal data goes: e-mail and names (the projection), the e-mail in stored import rows, SCORM
    CMI data (it carries the learner's name and id, and whatever the learner typed in the package) and
    the answers of quiz submissions (what the customer submitted in a form). Progress and quiz results
    (the fact of a submission, its score, pass and dates) stay, anonymous, for the reports."""
    await uow.customers.forget(customer_id)
    await uow.imports.scrub_customer(customer_id)
    await uow.cmi.delete_customer(customer_id)
    await uow.submissions.forget_answers(customer_id)
    send_erasure_receipt(
        uow,
        customer_id,
        ServiceName.TRAINING_PROGRESS,
        ErasureKind.ERASED,
        ["customers", "import_rows.email", "cmi_data", "quiz_submissions.answers"],
    )


async def delete_customer(uow: ProgressUnitOfWork, customer_id: uuid.UUID) -> None:
    """Everything about the customer goes: progress, quiz submissions, CMI data, access, partner."""
    await uow.customers.forget(customer_id, ErasureKind.DELETED)
    await uow.imports.scrub_customer(customer_id)
    await uow.cmi.delete_customer(customer_id)
    await uow.submissions.delete_customer(customer_id)
    await uow.progress.delete_customer(customer_id)
    await uow.projections.delete_customer(customer_id)
    send_erasure_receipt(
        uow,
        customer_id,
        ServiceName.TRAINING_PROGRESS,
        ErasureKind.DELETED,
        ["customers", "import_rows.email", "cmi_data", "quiz_submissions", "progress", "access", "learner_clients"],
    )
