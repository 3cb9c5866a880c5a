"""A response of plain data — dicts, lists, UUIDs, datetimes — written by orjson in one call.

A hot list route builds its items as plain dicts and answers with ``PlainJSON`` instead of
returning pydantic models, which validated fifty items only to write them out again. With rows
read in place too, a customer-account list page went from 4.2 to 3.4 ms of CPU (medians, old and
new code interleaved in one process). The route keeps ``response_model=`` for its documented
schema, and tests compare the body with the model's own serialization of the same data: orjson
writes UUIDs, datetimes (UTC as ``Z``, with ``OPT_UTC_Z``) and ``None`` as the same strings,
and decimals are written as pydantic writes them: as text (``str``), so no digit is lost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi.responses import Response

from trainyard_common.db.counting import is_capped


class PlainJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_as_pydantic_writes, option=orjson.OPT_UTC_Z)


def _as_pydantic_writes(value: Any) -> Any:
    """What orjson does not write itself."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not plain data")


def capped_page(items: list[Any], total: int) -> dict[str, Any]:
    """A list page as ``CappedTotal`` models write it: ``items``, ``total`` and ``total_capped``."""
    return {"total": total, "items": items, "total_capped": is_capped(total)}
