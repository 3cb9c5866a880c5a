"""Issue 15 items 11 and 14: the customer search matches ``%`` and ``_`` literally, and the
GDPR export's CSVs never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

import pytest

from customer_account.service_layer.export import export_part

from .conftest import Register, Uows

pytestmark = pytest.mark.integration


async def _search(uows: Uows, text: str) -> set[str]:
    async with uows() as uow:
        found, total = await uow.customers.search(search=text, status=None, group_id=None, limit=50, offset=0)
    assert total == len(found)
    return {c["email"] for c in found}


async def test_the_search_matches_percent_and_underscore_literally(uows: Uows, register: Register) -> None:
    await register("one@example.com", organization="100%_club")
    await register("two@example.com", organization="100xyclub")
    await register("three@example.com", last_name="under_score")
    assert await _search(uows, "100%_") == {"one@example.com"}
    assert await _search(uows, "100") == {"one@example.com", "two@example.com"}
    assert await _search(uows, "r_s") == {"three@example.com"}  # a literal underscore in a name
    assert await _search(uows, "%") == {"one@example.com"}
    assert await _search(uows, "\\") == set()


async def test_a_formula_typed_as_a_name_is_exported_as_text(uows: Uows, register: Register) -> None:
    formula = '=HYPERLINK("http://x","y")'
    ada = await register("ada@example.com", first_name=formula, last_name="@SUM(A1)", organization="-2+3")
    async with uows() as uow:
        part = await export_part(uow, ada.id)
    assert part is not None
    profile = next(f for f in part.files if f.name == "profile.csv")
    header, row = list(csv.reader(io.StringIO(profile.content)))
    cells = dict(zip(header, row, strict=True))
    assert (cells["first_name"], cells["last_name"], cells["organization"]) == (f"'{formula}", "'@SUM(A1)", "'-2+3")
    assert cells["email"] == "ada@example.com"
