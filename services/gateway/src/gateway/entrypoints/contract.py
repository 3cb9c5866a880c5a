"""The public routes that only hand a request to one service, each declared once.

A ``Passthrough`` says what a public route is (method, path, query parameters, body, the
answers it documents) and where it goes (a service and its internal path); ``serve`` turns
each into a FastAPI route on a router. The route's OpenAPI entry is what a hand-written route
would give: its name makes the operation id and summary, path parameters are UUIDs (a
registration code excepted), the body is validated by its model and sent as JSON.

Routes that do more than pass a request on (uploads, the customer page, sign-in, anything
reading a header) are written by hand in the area's module, next to its table.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from gateway.domain.integrations import Scope
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.deps import app_services
from gateway.entrypoints.learner_auth import Learner, LearnerIdentity
from gateway.entrypoints.passthrough import created_id, passthrough
from gateway.entrypoints.security import needs
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.errors import ErrorBody

ServiceName = Literal["client_directory", "customer_account", "commerce_access", "training_progress"]

RegistrationCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
PATH_TYPES: Mapping[str, Any] = {"code": RegistrationCode}  # every other path parameter is a UUID
SIGNED_IN_LEARNER = "{learner}"  # in an internal path: the signed-in learner's customer id
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def query(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """A query parameter, passed on under its public name (its alias, if it has one)."""
    return inspect.Parameter(name, _KEYWORD, annotation=annotation, default=default)


PAGE = (query("limit", Limit, 50), query("offset", Offset, 0))


@dataclass(frozen=True, slots=True)
class Audit:
    """What an admin route acts on, for its audit entry: ``kind:`` followed by the path parameter
    ``param``, the body's ``field``, or (neither given) the ``id`` of what the service created."""

    kind: str
    param: str | None = None
    field: str | None = None

    @property
    def created(self) -> bool:
        return self.param is None and self.field is None


@dataclass(frozen=True, slots=True)
class Csv:
    """The route answers a CSV file (documented with ``description``) instead of a JSON model."""

    description: str


@dataclass(frozen=True, slots=True)
class Passthrough:
    method: str
    path: str  # below the router's prefix, e.g. "/clients/{id}"
    name: str  # the operation's name: its id and (unless ``summary``) its summary derive from it
    service: ServiceName
    internal: str  # the service's path; "{id}" etc. are the public path's, "{learner}" the signed-in learner
    query: tuple[inspect.Parameter, ...] = ()
    body: Any = None  # a pydantic model (or an ``Annotated`` body type), required when given
    exclude_unset: bool = False  # send only the body fields the caller set (partial updates)
    response: type[BaseModel] | Csv | None = None  # what a success answers, documented for ``status``
    status: int = 200
    also: tuple[int, ...] = ()  # other success statuses answering the same ``response``
    errors: Mapping[int, str | None] = field(default_factory=dict)  # status -> description (None: the default)
    audit: Audit | None = None
    doc: str | None = None
    summary: str | None = None
    timeout_seconds: float | None = None  # None: the service client's own
    scope: Scope | None = None  # the scope an LMS integration's token needs here (None: integrations refused)


def serve(router: APIRouter, routes: Iterable[Passthrough]) -> None:
    """Add each of ``routes`` to ``router``, in order (order matters where paths overlap)."""
    for route in routes:
        router.add_api_route(
            route.path,
            _endpoint(route),
            methods=[route.method],
            name=route.name,
            summary=route.summary,
            description=route.doc,
            status_code=route.status,
            response_model=None,
            responses=_responses(route),
            openapi_extra=needs(route.scope) if route.scope is not None else None,
        )


def _responses(route: Passthrough) -> dict[int | str, dict[str, Any]]:
    answers: dict[int | str, dict[str, Any]] = {}
    if isinstance(route.response, Csv):
        answers[route.status] = {"content": {"text/csv": {}}, "description": route.response.description}
    elif route.response is not None:
        answers |= {status: {"model": route.response} for status in (route.status, *route.also)}
    for status, description in route.errors.items():
        answers[status] = {"model": ErrorBody, **({"description": description} if description else {})}
    return answers


def _endpoint(route: Passthrough) -> Any:
    forwarded = {parameter.name: _public_name(parameter) for parameter in route.query}

    async def endpoint(
        request: Request,
        learner: LearnerIdentity | None = None,
        body: Any = None,
        **values: Any,
    ) -> Response:
        audit = route.audit
        if audit is not None and audit.param is not None:
            set_audit_target(request, audit.kind, values[audit.param])
        elif audit is not None and audit.field is not None:
            set_audit_target(request, audit.kind, getattr(body, audit.field))
        internal = route.internal.format(**values, learner=learner.customer_id if learner else None)
        reply = await getattr(app_services(request), route.service).call(
            route.method,
            internal,
            params={public: values[name] for name, public in forwarded.items()} if forwarded else None,
            body=_payload(body, exclude_unset=route.exclude_unset),
            timeout_seconds=route.timeout_seconds,
        )
        if audit is not None and audit.created and (new_id := created_id(reply)) is not None:
            set_audit_target(request, audit.kind, new_id)
        return passthrough(reply)

    endpoint.__signature__ = inspect.Signature(_parameters(route))  # type: ignore[attr-defined]
    return endpoint


def _parameters(route: Passthrough) -> list[inspect.Parameter]:
    # The services come from the app inside the endpoint (``app_services``), not as a dependency:
    # each dependency FastAPI resolves is CPU on every request of the busiest routes.
    parameters = [inspect.Parameter("request", _KEYWORD, annotation=Request)]
    if SIGNED_IN_LEARNER in route.internal:
        parameters.append(inspect.Parameter("learner", _KEYWORD, annotation=Learner))
    for name in re.findall(r"{(\w+)}", route.path):
        parameters.append(inspect.Parameter(name, _KEYWORD, annotation=PATH_TYPES.get(name, uuid.UUID)))
    if route.body is not None:
        parameters.append(inspect.Parameter("body", _KEYWORD, annotation=route.body))
    return [*parameters, *route.query]


def _payload(body: Any, *, exclude_unset: bool) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", exclude_unset=exclude_unset)
    return body


def _public_name(parameter: inspect.Parameter) -> str:
    aliases = [meta.alias for meta in getattr(parameter.annotation, "__metadata__", ()) if getattr(meta, "alias", None)]
    return aliases[0] if aliases else parameter.name
