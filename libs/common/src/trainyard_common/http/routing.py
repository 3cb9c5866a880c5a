"""Route matching that skips, by a string comparison, the routers a request cannot be for.

FastAPI (0.165) keeps an included router as one top-level route and, for each request, asks
every such router in turn whether one of its routes matches; each asks all of its routes, at a
few µs each (scope bookkeeping around every regex). The gateway serves ~200 routes in 23
routers: matching ``POST /api/v1/learner/orders`` cost 246 µs of CPU and
``GET /api/v1/admin/training/progress`` 350 µs, before any work (py-spy: ``_IncludedRouter._match``
~10 % of the gateway's CPU under checkout load).

``skip_foreign_routers`` gives each included router a gate: the literal beginning its routes
share (``/api/v1/learner/``, ``/admin/customers``...). A router whose beginning the request's path
does not start with cannot match it, so it answers "no match" at once; any other is asked as
before. What matches, a 405 for a known path, a redirect to a trailing slash: all unchanged,
since a gate only ever skips routers that could not have matched.
"""

from __future__ import annotations

import os.path
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

Matcher = Callable[[Scope], tuple[Match, Scope]]


def skip_foreign_routers(app: FastAPI) -> int:
    """Gate each included router of ``app`` by its routes' shared literal beginning; call once every
    router is included. How many were gated (a router without a useful beginning is left as is)."""
    gated = 0
    for route in app.router.routes:
        beginning = literal_beginning(_paths(route))
        if beginning is None:
            continue
        route.matches = _gate(route.matches, beginning)  # type: ignore[method-assign,assignment]
        gated += 1
    return gated


def literal_beginning(paths: Iterable[str]) -> str | None:
    """The text every path starts with before its first parameter; None when that says nothing
    (no path, or only ``/``)."""
    literals = [path.split("{", 1)[0] for path in paths]
    if not literals:
        return None
    shared = os.path.commonprefix(literals)  # noqa: RUF071 (characters, not components: paths are compared as text)
    return shared if len(shared) > 1 else None


def _paths(route: BaseRoute) -> list[str]:
    """Every path an included router serves (its nested routers' included); [] for a plain route,
    or when FastAPI's inclusion is not shaped as expected (then the route is not gated)."""
    router: Any = getattr(route, "original_router", None)
    context: Any = getattr(route, "include_context", None)
    prefix = getattr(context, "prefix", None)
    if router is None or not isinstance(prefix, str):
        return []
    paths: list[str] = []
    for inner in router.routes:
        if hasattr(inner, "original_router"):
            nested = _paths(inner)
            if not nested:
                return []
            paths += [prefix + p for p in nested]
        elif isinstance(getattr(inner, "path", None), str):
            paths.append(prefix + inner.path)
        else:
            return []
    return paths


def _gate(matches: Matcher, beginning: str) -> Matcher:
    def gated(scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(beginning):
            return Match.NONE, {}
        return matches(scope)

    return gated
