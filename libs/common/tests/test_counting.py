"""A list's total from its page alone: only a page that ends the list says how many there are."""

from __future__ import annotations

import pytest

from trainyard_common.db.counting import total_from_page


@pytest.mark.parametrize(
    ("found", "limit", "offset", "total"),
    [
        (0, 50, 0, 0),  # nothing matches
        (3, 50, 0, 3),  # one short page
        (7, 50, 100, 107),  # the last page
        (50, 50, 0, None),  # a full page: more may follow
        (50, 50, 100, None),
        (0, 50, 100, None),  # past the end: how far is unknown
    ],
)
def test_only_a_page_ending_the_list_gives_its_total(found: int, limit: int, offset: int, total: int | None) -> None:
    assert total_from_page(found, limit=limit, offset=offset) == total
