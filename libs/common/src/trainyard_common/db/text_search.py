"""Searches by typed text with ``LIKE``/``ILIKE``: what the user typed matches literally.

``%`` and ``_`` are wildcards to ``LIKE``; an admin searching ``100%_`` means those characters.
Build the pattern with ``contains_pattern`` and pass ``escape=LIKE_ESCAPE``::

    column.ilike(contains_pattern(search), escape=LIKE_ESCAPE)

On a big table such a search is answered from a ``trigram_index`` (pg_trgm's GIN operator class;
the migration creates the ``pg_trgm`` extension).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Index, Table

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with ``LIKE``'s wildcards (and the escape character itself) escaped."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """A ``LIKE`` pattern matching values that contain ``text`` literally (use ``escape=LIKE_ESCAPE``)."""
    return f"%{escape_like(text)}%"


def trigram_index(name: str, searched: ColumnElement[Any], *, table: Table | None = None) -> Index:
    """A pg_trgm GIN index serving ``ILIKE '%…%'`` on ``searched``: a column, or an expression of
    ``table``'s columns (``table`` given: an expression alone does not name its table)."""
    if table is None:
        column_name = str(getattr(searched, "name", ""))
        if not column_name:
            raise ValueError("an expression's trigram index needs its table")
        return Index(name, searched, postgresql_using="gin", postgresql_ops={column_name: "gin_trgm_ops"})
    labelled = searched.label("searched")
    return Index(name, labelled, postgresql_using="gin", postgresql_ops={"searched": "gin_trgm_ops"}, _table=table)
