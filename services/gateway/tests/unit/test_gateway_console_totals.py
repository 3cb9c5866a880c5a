"""A big list's total as the console shows it: past the count's cap the API answers
``total: 10001, total_capped: true``, which a page shows as "10,000+", never as 10001."""

from __future__ import annotations

from typing import Any

from gateway.console.training import delete_confirmation
from gateway.console.web import shown_total, templates
from trainyard_common.db.counting import COUNT_CAP
from trainyard_common.http.plain_json import capped_page


def _customers_page(found: dict[str, Any]) -> str:
    filters = {"search": "", "status": "", "group_id": "", "client_id": ""}
    context = {"found": found, "filters": filters, "statuses": [], "groups": [], "clients": [], "error": None}
    return templates.env.get_template("customers.html").render(
        **context, session=None, offset=0, page_size=25, previous=None, next=None
    )


def test_a_capped_total_is_shown_as_the_cap_and_more() -> None:
    assert shown_total(capped_page([], 10_001)) == "10,000+"
    assert shown_total(capped_page([], 10_000)) == "10000"
    assert shown_total(capped_page([], 1)) == "1"


def test_the_customers_page_says_10000_and_more_not_10001() -> None:
    page = _customers_page(capped_page([], 10_001))
    assert "10,000+ customers" in page
    assert "10001" not in page
    assert "7 customers" in _customers_page(capped_page([], 7))


def _delete_confirmation(count: int) -> str:
    context = delete_confirmation({"type": "module"}, [], select_all=True, count=count)
    return templates.env.get_template("training/delete.html").render(**context, session=None, error=None)


def test_deleting_all_past_the_cap_asks_for_a_narrower_filter_not_a_confirmation() -> None:
    past = _delete_confirmation(COUNT_CAP + 1)
    assert "More than 10,000 modules progress entries match" in past
    assert "10001" not in past
    assert 'type="submit"' not in past, "the service would refuse it: no Delete button"
    within = _delete_confirmation(COUNT_CAP)
    assert "Delete all 10000 modules progress entries" in within
    assert 'type="submit"' in within
