"""``PlainJSON`` writes plain data as pydantic writes the same values in a model: a list route may
skip validating its items into models without changing a byte its clients read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
from pydantic import BaseModel

from trainyard_common.api.paging import CappedTotal
from trainyard_common.db.counting import COUNT_CAP
from trainyard_common.http.plain_json import PlainJSON, capped_page


class Item(BaseModel):
    id: uuid.UUID
    at: datetime
    maybe: datetime | None
    name: str | None
    tags: list[str]
    nested: dict[str, int] | None
    score: Decimal | None


class Page(CappedTotal):
    items: list[Item]
    total: int


ITEMS = [
    {
        "id": uuid.UUID(int=7),
        "at": datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),  # no microseconds
        "maybe": datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
        "name": 'Zoë "quoted" \u2028',
        "tags": [],
        "nested": None,
        "score": Decimal("85.50"),
    },
    {
        "id": uuid.uuid4(),
        "at": datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
        "maybe": None,
        "name": None,
        "tags": ["a", "b"],
        "nested": {"n": 1},
        "score": None,
    },
]


def test_the_body_is_what_pydantic_writes_for_the_same_values() -> None:
    for total in (2, COUNT_CAP + 1):
        written = PlainJSON(capped_page(ITEMS, total)).body
        by_pydantic = Page(items=[Item(**item) for item in ITEMS], total=total).model_dump_json()
        assert orjson.loads(written) == orjson.loads(by_pydantic)
        assert Page.model_validate_json(written) == Page.model_validate_json(by_pydantic)
