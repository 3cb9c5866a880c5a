"""Customer groups: passed through to customer-account."""

from gateway.entrypoints.contract import Audit, Passthrough, serve
from gateway.entrypoints.security import admin_router
from trainyard_common.api.customers import GroupCreate, GroupList, GroupPublic

router = admin_router(tags=["groups"])

# fmt: off
ROUTES = (
    Passthrough("POST", "/groups", "create_group", "customer_account", "/v1/groups",
                body=GroupCreate, response=GroupPublic, status=201, errors={409: "`group_name_taken`"},
                audit=Audit("group"),
                doc="A group, optionally with an automation: new or changed customers of `email_domain` join it."),
    Passthrough("GET", "/groups", "list_groups", "customer_account", "/v1/groups", response=GroupList),
)
# fmt: on
serve(router, ROUTES)
