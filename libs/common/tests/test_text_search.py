"""Issue 15 item 14: a typed search matches ``%``, ``_`` and ``\\`` literally (the pattern;
each service's search is tested against its database)."""

from trainyard_common.db.text_search import LIKE_ESCAPE, contains_pattern, escape_like


def test_like_wildcards_are_escaped() -> None:
    assert LIKE_ESCAPE == "\\"
    assert escape_like("100%_club") == "100\\%\\_club"
    assert escape_like("a\\b") == "a\\\\b"
    assert contains_pattern("ada") == "%ada%"
    assert contains_pattern("%_") == "%\\%\\_%"
