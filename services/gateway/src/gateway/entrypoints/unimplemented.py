"""Routes of the public contract (docs/api.md) whose service does not exist yet.

They are registered with their real method and path, so clients and docs see the whole API,
and answer 501 ``not_implemented`` — never a made-up result. Admin routes among them sit
behind the same guard as every admin route. When a service lands, move its rows out of this
table and into a real route module.
"""

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import NoReturn

from fastapi import APIRouter

from gateway.entrypoints.paths import ADMIN, LEARNER
from trainyard_common.http.errors import ErrorBody, NotImplementedYet

PATH_PARAMETER = re.compile(r"{(\w+)}")

# tag -> (method, path, what), as in docs/api.md.
NOT_YET: dict[str, tuple[tuple[str, str, str], ...]] = {}


def add_unimplemented_routes(*, admin: APIRouter, learner: APIRouter) -> None:
    routers = {ADMIN: admin, LEARNER: learner}
    for tag, rows in NOT_YET.items():
        for method, path, what in rows:
            prefix = ADMIN if path.startswith(ADMIN) else LEARNER
            routers[prefix].add_api_route(
                path.removeprefix(prefix),
                _not_implemented(what, path),
                methods=[method],
                name=f"not_implemented:{method} {path}",
                summary=f"{what} (not implemented yet)",
                description="Answers 501 `not_implemented` until the service behind it exists.",
                tags=[tag],
                response_model=None,
                responses={501: {"model": ErrorBody, "description": "Not implemented yet."}},
            )


def _not_implemented(what: str, path: str) -> Callable[..., Awaitable[NoReturn]]:
    async def not_implemented(**_: str) -> NoReturn:
        raise NotImplementedYet(f"{what} is not available yet.")

    # Declare the path's parameters so OpenAPI documents them; their values are not used.
    parameters = [
        inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=str) for p in PATH_PARAMETER.findall(path)
    ]
    not_implemented.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return not_implemented
