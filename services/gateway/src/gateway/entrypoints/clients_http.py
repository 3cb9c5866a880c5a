"""Clients: passed through to client-directory's internal API (/v1/...)."""

from gateway.entrypoints.contract import PAGE, Audit, Passthrough, query, serve
from gateway.entrypoints.security import admin_router
from trainyard_common.api.clients import ClientCreate, ClientList, ClientPublic, ClientUpdate, IndustryList, LearnerList

router = admin_router(tags=["clients"])
NOT_FOUND = {404: "No such client."}

# fmt: off
ROUTES = (
    Passthrough("GET", "/industries", "industries", "client_directory", "/v1/industries",
                response=IndustryList, doc="The industry pick list."),
    Passthrough("POST", "/clients", "create_client", "client_directory", "/v1/clients",
                body=ClientCreate, response=ClientPublic, status=201, errors={409: None}, audit=Audit("client"),
                doc="Create a client; a leading `@` on a domain is accepted."),
    Passthrough("GET", "/clients", "list_clients", "client_directory", "/v1/clients",
                query=(query("search", str | None), query("industry", str | None), query("active", bool | None),
                       *PAGE),
                response=ClientList, doc="Clients matching `search` (name, domain or alias), `industry` and `active`."),
    Passthrough("GET", "/clients/{id}", "get_client", "client_directory", "/v1/clients/{id}",
                response=ClientPublic, errors=NOT_FOUND),
    Passthrough("PATCH", "/clients/{id}", "change_client", "client_directory", "/v1/clients/{id}",
                body=ClientUpdate, exclude_unset=True, response=ClientPublic, errors={409: None, **NOT_FOUND},
                audit=Audit("client", param="id"),
                doc="Change name, industry, domains, aliases or `active`; a domain of another active client is a 409."),
    Passthrough("GET", "/clients/{id}/learners", "client_learners", "client_directory", "/v1/clients/{id}/learners",
                query=PAGE, response=LearnerList, errors=NOT_FOUND,
                doc="Learners mapped to the client, with how (domain, alias, class, manual)."),
)
# fmt: on
serve(router, ROUTES)
