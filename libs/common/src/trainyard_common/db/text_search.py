"""Searches by typed text with ``LIKE``/``ILIKE``: what the user typed matches literally.

``%`` and ``_`` are wildcards to ``LIKE``; an admin searching ``100%_`` means those characters.
Build the pattern with ``contains_pattern`` and pass ``escape=LIKE_ESCAPE``::

    column.ilike(contains_pattern(search), escape=LIKE_ESCAPE)
"""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with ``LIKE``'s wildcards (and the escape character itself) escaped."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """A ``LIKE`` pattern matching values that contain ``text`` literally (use ``escape=LIKE_ESCAPE``)."""
    return f"%{escape_like(text)}%"
