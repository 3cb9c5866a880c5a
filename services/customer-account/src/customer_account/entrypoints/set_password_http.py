"""The one-time set-password link of the welcome e-mail, used (public: no session)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from customer_account.entrypoints.deps import UnitOfWork
from customer_account.service_layer.password_setup import set_password_by_link
from trainyard_common.api.customers import PasswordSetup
from trainyard_common.http.errors import ErrorBody

router = APIRouter(prefix="/v1", tags=["sessions"])


@router.post(
    "/password-setup",
    status_code=204,
    response_class=Response,
    responses={
        422: {
            "model": ErrorBody,
            "description": "`weak_password` (the link stays usable); `invalid_setup_token`: unknown, used or expired",
        }
    },
)
async def set_up_password(body: PasswordSetup, uow: UnitOfWork) -> Response:
    """Choose a password with a welcome e-mail's link: the link ends, and every session of the customer."""
    await set_password_by_link(uow, body.token, body.password)
    return Response(status_code=204)
