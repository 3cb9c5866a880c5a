"""The customers' keys, for the other services (crypto-shredding, issue 16).

Who reaches them (``key_reader``): a service's own call (``Caller.service``, signed with the shared
service key: ``trainyard_common.http.service_client``) — these are the only ``/v1`` paths open to
services (``SERVICE_PATHS``); the gateway acting for an LMS integration holding the
``personal-data:read`` scope (checked there); a gateway-signed call naming an admin (the gateway's
public API routes no admin here). Never a learner, never an unsigned call."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from customer_account.entrypoints.deps import UnitOfWork
from customer_account.service_layer.customer_keys import customer_key, customer_keys
from trainyard_common.api.customers import CustomerKey, CustomerKeyLookup, CustomerKeyLookupAnswer
from trainyard_common.http.errors import ApiError, ErrorBody, Forbidden
from trainyard_common.http.service_auth import caller

SERVICE_PATHS = re.compile(r"^/v1/customer-keys/[^/]+$")
"""The paths another service may call on its own (the single key and the batch lookup)."""

router = APIRouter(prefix="/v1", tags=["customer keys"])


class KeyDestroyed(ApiError):
    status_code = 410
    code = "key_destroyed"


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such customer."},
    410: {"model": ErrorBody, "description": "`key_destroyed`: the customer was erased or deleted."},
}


async def key_reader(request: Request) -> None:
    """A service's own call, an integration's (through the gateway) or an admin's; nobody else."""
    found = caller(request)
    if found.service is None and found.integration is None and found.admin is None:
        raise Forbidden("Customer keys are for the services and the gateway only.", code="forbidden")


@router.post("/customer-keys/lookup", dependencies=[Depends(key_reader)], response_model=CustomerKeyLookupAnswer)
async def lookup_customer_keys(body: CustomerKeyLookup, uow: UnitOfWork) -> Response:
    """The keys of up to 1,000 customers at once (a consumer's whole batch): each id asked for is
    in `keys`, `destroyed` (erased or deleted) or `unknown` (no such customer)."""
    found = await customer_keys(uow, body.customer_ids)
    answer = {
        "keys": {customer_id: _text(key) for customer_id, key in found.keys.items()},
        "destroyed": found.destroyed,
        "unknown": found.unknown,
    }
    # Written by orjson, the ids included (OPT_NON_STR_KEYS): every registration's consumer asks
    # for its key, and the answer model's validation and a str() per id cost more than unwrapping it.
    return Response(orjson.dumps(answer, option=orjson.OPT_NON_STR_KEYS), media_type="application/json")


@router.get("/customer-keys/{customer_id}", responses=RESPONSES, dependencies=[Depends(key_reader)])
async def get_customer_key(customer_id: uuid.UUID, uow: UnitOfWork) -> CustomerKey:
    """The customer's data key (unwrapped; the key-encryption keys never leave this service)."""
    key = await customer_key(uow, customer_id)
    if key is None:
        raise KeyDestroyed("The customer's key was destroyed: the customer was erased.")
    return CustomerKey(customer_id=customer_id, key=_text(key))


def _text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")
