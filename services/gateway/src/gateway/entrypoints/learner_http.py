"""The learner API: registration, the learner's own account (customer-account), checkout and
codes (commerce-access), progress, SCORM data and quizzes (training-progress).

Sessions are customer-account's; the learner guard (``learner_auth``) introspects the token on
each request and lets a session whose password must change reach only ``PUT /password``. A
route acting for the signed-in learner names ``{learner}`` in its internal path.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field

from gateway.adapters.actors import act_as_learner
from gateway.domain.replies import ServiceReply
from gateway.entrypoints.contract import Passthrough, serve
from gateway.entrypoints.deps import Services
from gateway.entrypoints.errors import ERROR_RESPONSES, AuthenticationRequired
from gateway.entrypoints.learner_auth import Learner, LearnerIdentity, learner_bearer, learner_guard
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.paths import LEARNER
from gateway.service_layer.order_account import OrderWithAccount, order_creating_account
from trainyard_common.api.commerce import (
    CheckoutCreate,
    CodeInvitation,
    CodeInvitationCreate,
    OrderPublic,
    Redemption,
)
from trainyard_common.api.customers import (
    CustomerDetails,
    CustomerUpdate,
    LearnerSignIn,
    PasswordChange,
    PasswordSetup,
    RegistrationCreate,
    TokenIssued,
)
from trainyard_common.api.training import LearnerProgressCreate, LearnerSubmission, QuizAnswers
from trainyard_common.http.errors import ErrorBody, Unprocessable

router = APIRouter(prefix=LEARNER, tags=["learner"], responses=ERROR_RESPONSES)
NOT_FOUND = {404: "Not found."}
NO_ACCESS = {403: "`no_access`: no live access to the module (a product opening it, its course or certification)."}
CmiData = Annotated[dict[str, Any], Body(title="Data")]  # SCORM run-time data (cmi.*), as the player sends it

# fmt: off
ROUTES = (
    Passthrough("POST", "/register", "register", "customer_account", "/v1/registrations",
                body=RegistrationCreate, response=CustomerDetails, status=201, errors={409: "`email_taken`"},
                doc="Public registration from the learner site."),
    Passthrough("POST", "/password-setup", "set_up_password", "customer_account", "/v1/password-setup",
                body=PasswordSetup, status=204,
                errors={422: "`weak_password` (the link stays usable); `invalid_setup_token`: unknown, used or "
                        "expired."},
                doc="Public: choose a password with the one-time link of a welcome e-mail (its `#token=`); the\n"
                    "link then ends, as do the customer's sessions. Sign in afterwards."),
    Passthrough("PUT", "/password", "change_password", "customer_account", "/v1/learners/{learner}/password",
                body=PasswordChange, status=204, errors={422: "`wrong_password` or a too short new one."},
                doc="Change the password (the one thing an expired or must-change password allows)."),
    Passthrough("GET", "/profile", "profile", "customer_account", "/v1/learners/{learner}/profile",
                response=CustomerDetails),
    Passthrough("PATCH", "/profile", "edit_profile", "customer_account", "/v1/learners/{learner}/profile",
                body=CustomerUpdate, exclude_unset=True, response=CustomerDetails, errors={409: "`email_taken`"},
                doc="Edit names, e-mail or organisation (while impersonated, recorded as the admin's change)."),
    Passthrough("POST", "/registration-codes/{code}/redeem", "redeem", "commerce_access",
                "/v1/learners/{learner}/registration-codes/{code}/redeem",
                response=Redemption, status=201, errors={404: None, 409: None},
                doc="The signed-in learner takes a seat; 409 when someone else holds the code."),
    Passthrough("POST", "/registration-codes/{code}/invitation", "invite_to_code", "commerce_access",
                "/v1/learners/{learner}/registration-codes/{code}/invitation",
                body=CodeInvitationCreate, response=CodeInvitation, status=201,
                errors={404: "Not a code the signed-in learner bought.", 409: "`code_already_redeemed`"},
                doc="The purchaser invites someone by e-mail: the e-mail carries the code and a link to\n"
                    "register and redeem. Inviting again replaces the pending invitation."),
    Passthrough("POST", "/progress", "record_progress", "training_progress", "/v1/learners/{learner}/progress",
                body=LearnerProgressCreate,
                errors={**NOT_FOUND, 403: "`no_access`; `completed_by_roll_up` (a course or certification: its "
                        "modules complete it); `quiz_needs_submission` (a quiz module completed or scored here)."},
                doc="The signed-in learner started or completed a module they have access to; courses and\n"
                    "certifications roll up, quiz modules complete by a submission."),
    Passthrough("PUT", "/cmi/{module_id}", "store_cmi", "training_progress", "/v1/learners/{learner}/cmi/{module_id}",
                body=CmiData, status=204, errors={**NOT_FOUND, **NO_ACCESS},
                doc="Store SCORM run-time data (cmi.*) for a SCORM module; its status and score record progress."),
    Passthrough("POST", "/quizzes/{id}/submissions", "submit_quiz", "training_progress",
                "/v1/learners/{learner}/quizzes/{id}/submissions",
                body=QuizAnswers, response=LearnerSubmission, status=201,
                errors={**NOT_FOUND, **NO_ACCESS, 409: "Conflicts with the state."},
                doc="Submit answers; scored against the questions, within the quiz's attempt limit (409 beyond).\n"
                    "Per question right or wrong, never the correct answers (admins see them)."),
)
# fmt: on
serve(router, ROUTES)

SIGN_IN_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"model": TokenIssued},
    401: {"model": ErrorBody, "description": "`invalid_credentials`: wrong e-mail or password (the same for both)."},
    403: {
        "model": ErrorBody,
        "description": "`account_locked` / `account_inactive`, whatever the password (it is still checked).",
    },
    429: {"model": ErrorBody, "description": "`too_many_attempts` from this address; wait `Retry-After` seconds."},
}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key when retrying: the order is created once and the retry answers 200 with it.",
    ),
]


@router.post("/sessions", status_code=201, response_model=None, responses=SIGN_IN_RESPONSES)
async def sign_in(body: LearnerSignIn, request: Request, services: Services) -> Response:
    """Learner sign-in; failures count towards the lockout and are logged with the IP."""
    ip = request.client.host if request.client else None
    reply = await services.customer_account.call("POST", "/v1/sessions", body={**body.model_dump(), "ip": ip})
    return _with_retry_after(reply)


@router.delete("/sessions/current", status_code=204, response_model=None)
async def sign_out(learner: Learner, services: Services) -> Response:
    """End this session (an impersonation's end is recorded in the customer's activity log)."""
    reply = await services.customer_account.call("POST", "/v1/sessions/revoke", body={"token": learner.token})
    return passthrough(reply)


class LearnerCheckout(CheckoutCreate):
    """A checkout; without a session, ``customer`` creates the account with the order (issue 17, item 1)."""

    customer: RegistrationCreate | None = Field(
        default=None,
        description="Without a session only: the account to create with the order (with a session: 422).",
    )


class OrderWithSession(TokenIssued):
    """The new account's session (as learner sign-in answers it) and the order placed with it."""

    order: OrderPublic


async def optional_learner(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)]
) -> LearnerIdentity | None:
    """The learner guard when a bearer token is sent; None without one (an anonymous order)."""
    if credentials is None:
        return None
    return await learner_guard(request, credentials)


@router.post(
    "/orders",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": OrderPublic | OrderWithSession, "description": "The order (with `customer`: and a session)."},
        200: {"model": OrderPublic},
        409: {"model": ErrorBody, "description": "`email_taken`: the e-mail has an account, sign in to order."},
        422: {"model": ErrorBody, "description": "`unknown_price`; `customer` sent with a session; `weak_password`."},
        503: {
            "model": ErrorBody,
            "description": "`order_not_placed`: the account was created, the order not; the body's `session` works.",
        },
    },
)
async def checkout(
    body: LearnerCheckout,
    request: Request,
    services: Services,
    learner: Annotated[LearnerIdentity | None, Depends(optional_learner)],
    key: IdempotencyKey = None,
) -> Response:
    """Buy `quantity` seats at `price_id`; more than one issues registration codes. Without a
    session, `customer: {first_name, last_name, email, password}` creates the account and the order
    together and answers a session with the order (the price is checked before the account exists)."""
    payload = {**body.model_dump(mode="json", exclude={"customer"}), "idempotency_key": key or body.idempotency_key}
    if learner is not None:
        if body.customer is not None:
            raise Unprocessable("A signed-in learner orders without `customer`.", code="customer_with_session")
        path = f"/v1/learners/{learner.customer_id}/orders"
        return passthrough(await services.commerce_access.call("POST", path, body=payload))
    if body.customer is None:
        raise AuthenticationRequired("A learner bearer token is required (or `customer` to create the account).")
    command = OrderWithAccount(
        customer=body.customer.model_dump(mode="json"),
        order=payload,
        ip=request.client.host if request.client else None,
    )
    answer = await order_creating_account(
        services.customer_account,
        services.commerce_access,
        command,
        lambda customer_id, token: act_as_learner(None, customer_id, token),
    )
    return JSONResponse(status_code=answer.status_code, content=answer.body)


def _with_retry_after(reply: ServiceReply) -> Response:
    response = passthrough(reply)
    if reply.status_code == 429:
        details = reply.json()["error"].get("details", [])
        seconds = next((d["reason"] for d in details if d.get("field") == "retry_after"), "1")
        response.headers["Retry-After"] = str(seconds)
    return response
