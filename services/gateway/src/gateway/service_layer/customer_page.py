"""The customer details page's sources: one customer as every service sees it.

Each section is one service's answer on one internal path. The page itself is served from the
gateway's customer view (``customer_views.py``), which reads these paths back when an event says
a section changed (and live, for a section it does not hold yet). Only the profile decides
whether the customer exists.
"""

from __future__ import annotations

import uuid

from gateway.domain.customer_view import ACCESS, LISTINGS, ORDERS, TRANSCRIPT
from gateway.service_layer.ports import Service, ServiceSet
from trainyard_common.domain_errors import NotFoundError


class CustomerNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such customer.")


def section_sources(services: ServiceSet, customer_id: uuid.UUID) -> dict[str, tuple[Service, str]]:
    """Section name -> (service, internal path). The lists ask for the page the view keeps."""
    return {
        "profile": (services.customer_account, f"/v1/customers/{customer_id}"),
        "client": (services.client_directory, f"/v1/learners/{customer_id}"),
        "orders": (services.commerce_access, f"/v1/customers/{customer_id}/orders?limit={LISTINGS[ORDERS].limit}"),
        "access": (services.commerce_access, f"/v1/customers/{customer_id}/access?limit={LISTINGS[ACCESS].limit}"),
        "transcript": (services.training_progress, f"/v1/customers/{customer_id}/transcript"),
    }


def row_sources(services: ServiceSet) -> dict[str, tuple[Service, str]]:
    """Section name -> (service, internal path) where its rows are read by their ids (``ROW_ID``,
    the parameter repeated), whoever holds them: the rows events name."""
    return {ORDERS: (services.commerce_access, "/v1/orders"), ACCESS: (services.commerce_access, "/v1/access")}


def many_sources(services: ServiceSet) -> dict[str, tuple[Service, str]]:
    """Section name -> (service, internal path) where the section is read for many customers in one
    call (``customer_id`` repeated): ``{"items": [...]}``, each as ``section_sources``' path answers
    it, in the customers' order."""
    return {TRANSCRIPT: (services.training_progress, "/v1/transcripts")}
