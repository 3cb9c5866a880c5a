"""The learner's own account: sign-in and sign-out, password change, profile (customer-account).

Sessions are customer-account's; the learner guard (``learner_auth``) introspects the token on
each request and lets a session whose password must change reach only ``PUT /password``.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from gateway.adapters.services import ServiceClient, ServiceReply
from gateway.entrypoints.learner_auth import LearnerIdentity, learner_guard
from gateway.entrypoints.passthrough import passthrough
from trainyard_common.api.customers import CustomerDetails, CustomerUpdate, LearnerSignIn, PasswordChange, TokenIssued
from trainyard_common.http.errors import ErrorBody

SIGN_IN_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"model": TokenIssued},
    401: {"model": ErrorBody, "description": "`invalid_credentials`: wrong e-mail or password (the same for both)."},
    403: {"model": ErrorBody, "description": "`account_locked` / `account_inactive` (only to the right password)."},
    429: {"model": ErrorBody, "description": "`too_many_attempts` from this address; wait `Retry-After` seconds."},
}


def add_learner_account_routes(router: APIRouter, accounts: ServiceClient) -> None:
    Learner = Annotated[LearnerIdentity, Depends(learner_guard(accounts))]  # noqa: N806 (a type alias)

    @router.post("/sessions", status_code=201, tags=["learner"], response_model=None, responses=SIGN_IN_RESPONSES)
    async def sign_in(body: LearnerSignIn, request: Request) -> Response:
        """Learner sign-in; failures count towards the lockout and are logged with the IP."""
        ip = request.client.host if request.client else None
        reply = await accounts.call("POST", "/v1/sessions", body={**body.model_dump(), "ip": ip})
        return _with_retry_after(reply)

    @router.delete("/sessions/current", status_code=204, tags=["learner"], response_model=None)
    async def sign_out(learner: Learner) -> Response:
        """End this session (an impersonation's end is recorded in the customer's activity log)."""
        return passthrough(await accounts.call("POST", "/v1/sessions/revoke", body={"token": learner.token}))

    @router.put(
        "/password",
        status_code=204,
        tags=["learner"],
        response_model=None,
        responses={422: {"model": ErrorBody, "description": "`wrong_password` or a too short new one."}},
    )
    async def change_password(body: PasswordChange, learner: Learner) -> Response:
        """Change the password (the one thing an expired or must-change password allows)."""
        path = f"/v1/learners/{learner.customer_id}/password"
        return passthrough(await accounts.call("PUT", path, body=body.model_dump()))

    @router.get("/profile", tags=["learner"], response_model=None, responses={200: {"model": CustomerDetails}})
    async def profile(learner: Learner) -> Response:
        return passthrough(await accounts.call("GET", f"/v1/learners/{learner.customer_id}/profile"))

    @router.patch(
        "/profile",
        tags=["learner"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, 409: {"model": ErrorBody, "description": "`email_taken`"}},
    )
    async def edit_profile(body: CustomerUpdate, learner: Learner) -> Response:
        """Edit names, e-mail or organisation (while impersonated, recorded as the admin's change)."""
        path = f"/v1/learners/{learner.customer_id}/profile"
        return passthrough(await accounts.call("PATCH", path, body=body.model_dump(mode="json", exclude_unset=True)))


def _with_retry_after(reply: ServiceReply) -> Response:
    response = passthrough(reply)
    if reply.status_code == 429:
        details = reply.json()["error"].get("details", [])
        seconds = next((d["reason"] for d in details if d.get("field") == "retry_after"), "1")
        response.headers["Retry-After"] = str(seconds)
    return response
