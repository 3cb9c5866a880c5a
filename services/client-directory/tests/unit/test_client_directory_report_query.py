"""The report's query rules, without any infrastructure."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from client_directory.domain.errors import InvalidInput
from client_directory.domain.reporting import ClientReport, ReportQuery


def test_a_report_period_ending_before_it_starts_is_refused_on_to() -> None:
    with pytest.raises(InvalidInput) as refused:
        ReportQuery(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert (refused.value.field_name, refused.value.reason) == ("to", "before from")
    assert ReportQuery(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)).date_to == date(2026, 3, 2)


def test_a_report_starts_with_every_training_type_at_zero_and_adds_by_status() -> None:
    report = ClientReport(client_id=uuid.uuid4(), client_name="Acme", industry="Technology", active=True)
    report.add_progress("module", "completed", 2)
    report.add_progress("module", "in_progress", 3)
    assert {k: (c.in_progress, c.completed) for k, c in report.progress.items()} == {
        "module": (3, 2),
        "course": (0, 0),
        "certification": (0, 0),
    }
