"""Use-case errors → the common HTTP error body (404, 409, 422 with the field)."""

import contextlib
from collections.abc import Iterator

from training_progress.domain.catalogue import CatalogueError
from training_progress.domain.errors import Conflict, Invalid, NotFound
from trainyard_common.http import errors as http


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    try:
        yield
    except CatalogueError as exc:
        raise http.Unprocessable(exc.reason, details=[http.ErrorDetail(field=exc.field, reason=exc.reason)]) from exc
    except Invalid as exc:
        raise http.Unprocessable(exc.message, details=[_detail(exc)]) from exc
    except Conflict as exc:
        raise http.Conflict(exc.message, details=[_detail(exc)]) from exc
    except NotFound as exc:
        raise http.NotFound(exc.message, details=[_detail(exc)]) from exc


def _detail(exc: Invalid | Conflict | NotFound) -> http.ErrorDetail:
    return http.ErrorDetail(field=exc.field, reason=exc.message)
