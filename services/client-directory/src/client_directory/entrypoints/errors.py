"""Use-case errors → the common HTTP error body (404, 409, 422 with the field)."""

import contextlib
from collections.abc import Iterator

from client_directory.domain.errors import ConflictingInput, InvalidInput, NotFoundError
from trainyard_common.http.errors import Conflict, ErrorDetail, NotFound, Unprocessable


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        raise Unprocessable(
            "The request is not valid.", details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]
        ) from exc
    except ConflictingInput as exc:
        raise Conflict(exc.reason, details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]) from exc
    except NotFoundError as exc:
        raise NotFound(str(exc)) from exc
