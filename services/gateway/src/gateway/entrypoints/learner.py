"""The learner API: registration, passed through to customer-account."""

from fastapi import APIRouter, Response

from gateway.adapters.services import ServiceClient
from gateway.entrypoints.passthrough import passthrough
from trainyard_common.api.customers import CustomerDetails, RegistrationCreate
from trainyard_common.http.errors import ErrorBody


def add_learner_routes(router: APIRouter, accounts: ServiceClient) -> None:
    @router.post(
        "/register",
        status_code=201,
        response_model=None,
        responses={201: {"model": CustomerDetails}, 409: {"model": ErrorBody, "description": "`email_taken`"}},
    )
    async def register(body: RegistrationCreate) -> Response:
        """Public registration from the learner site."""
        return passthrough(await accounts.call("POST", "/v1/registrations", body=body.model_dump(mode="json")))
