"""training-progress's internal HTTP API (reached only through the gateway)."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends

from training_progress.entrypoints.schemas import CustomerPublic
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.http.errors import ErrorBody, NotFound


def build_router(uow_factory: Callable[[], ProgressUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["customers"])
    UnitOfWork = Annotated[ProgressUnitOfWork, Depends(uow_factory)]

    @router.get("/customers/{customer_id}", responses={404: {"model": ErrorBody}})
    async def get_customer(customer_id: uuid.UUID, uow: UnitOfWork) -> CustomerPublic:
        """The customer projection kept from UserRegistered events."""
        async with uow:
            customer = await uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return CustomerPublic.model_validate(customer)

    return router
