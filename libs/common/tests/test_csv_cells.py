"""Issue 15 item 11: every CSV cell a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from trainyard_common.csv_cells import csv_text, export_file, resafe_csv, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1e3", "'-1e3"),
        ("'=already", "'=already"),  # idempotent
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        # numbers are not text anyone typed: a negative amount stays a number
        (-5, "-5"),
        (-5.5, "-5.5"),
        (Decimal("-12.50"), "-12.50"),
        (Decimal("1E+2"), "100"),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        (True, "True"),
    ],
)
def test_a_cell_is_text_a_spreadsheet_never_runs(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_csv_text_escapes_cells_and_keeps_quoting() -> None:
    text = csv_text([("name", "n"), ('=A1,"x"', -1)])
    assert list(csv.reader(io.StringIO(text))) == [["name", "n"], ['\'=A1,"x"', "-1"]]


def test_an_export_file_has_its_header_then_safe_rows() -> None:
    file = export_file("profile.csv", ("first_name", "erased_at"), [("=1+1", None)])
    assert (file.name, file.content) == ("profile.csv", "first_name,erased_at\n'=1+1,\n")


def test_a_csv_written_elsewhere_is_made_safe_and_a_safe_one_kept() -> None:
    assert resafe_csv("a,b\n=1,-5\n") == "a,b\n'=1,-5\n"
    safe = 'a,b\n"multi\nline",\'@x\n'
    assert resafe_csv(safe) == safe
