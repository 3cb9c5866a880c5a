"""The customers' keys, for the other services (crypto-shredding, issue 16).

Today only gateway-signed service tokens naming an admin reach it (``admin_actor``; the service-auth
middleware refuses every other ``/v1`` caller outside ``NON_ADMIN_PATHS``). The next round gives
the consuming services identities of their own and lets only those read keys."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from fastapi import APIRouter, Depends

from customer_account.entrypoints.deps import UnitOfWork, admin_actor
from customer_account.service_layer.customer_keys import customer_key
from trainyard_common.api.customers import CustomerKey
from trainyard_common.http.errors import ApiError, ErrorBody

router = APIRouter(prefix="/v1", tags=["customer keys"])


class KeyDestroyed(ApiError):
    status_code = 410
    code = "key_destroyed"


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such customer."},
    410: {"model": ErrorBody, "description": "`key_destroyed`: the customer was erased or deleted."},
}


@router.get("/customer-keys/{customer_id}", responses=RESPONSES, dependencies=[Depends(admin_actor)])
async def get_customer_key(customer_id: uuid.UUID, uow: UnitOfWork) -> CustomerKey:
    """The customer's data key (unwrapped; the key-encryption keys never leave this service)."""
    key = await customer_key(uow, customer_id)
    if key is None:
        raise KeyDestroyed("The customer's key was destroyed: the customer was erased.")
    return CustomerKey(customer_id=customer_id, key=base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii"))
