"""Use-case errors → the common HTTP error body (404, 409 with its code, 422 with the field)."""

import contextlib
from collections.abc import Iterator

from commerce_access.domain.errors import ConflictingState, InvalidInput, NotFoundError
from trainyard_common.http.errors import Conflict, ErrorDetail, NotFound, Unprocessable


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        raise Unprocessable(
            "The request is not valid.", details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]
        ) from exc
    except ConflictingState as exc:
        raise Conflict(exc.reason, code=exc.code) from exc
    except NotFoundError as exc:
        raise NotFound(str(exc)) from exc
