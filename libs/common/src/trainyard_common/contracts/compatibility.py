"""Whether a new JSON Schema of a topic still serves the subscribers of the released one.

Other teams read our topics with consumers written against a released schema. A change is
compatible when every event the new schema admits is one such a consumer still understands:

* every property the released schema names is still there, with the same meaning (type, format,
  pattern) — a consumer may read it;
* every property it requires is still required — a consumer may rely on its presence;
* no value is admitted that it did not admit: a type, ``null``, or an enum value it never saw.

New optional properties are compatible (consumers ignore what they do not know); anything else
needs a new version of the event on a new topic (``UserRegistered.v2``), as the architecture's
rule on versions says. ``breaking_changes`` lists what breaks, one readable line each.

One exception, for the retirement of a version 1 (issue 16): on a deprecated topic (the current
schema has ``x-trainyard.deprecated``), a property the released schema marks
``x-trainyard-personal: true`` may become blank — admit only the empty string — so the old topic
carries no personal data in clear during its deprecation window. It stays present and required as
before; anything else on a deprecated topic still needs a new version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Schema = dict[str, Any]

_SAME_MEANING = ("format", "pattern", "contentEncoding", "contentMediaType")


def breaking_changes(released: Schema, current: Schema) -> list[str]:
    """What in ``current`` breaks a subscriber of ``released`` (empty when compatible)."""
    return list(_node_breaks(released, current, "$", _Docs(released, current)))


def is_deprecated(schema: Schema) -> bool:
    """The topic is being retired (``x-trainyard.deprecated``, from ``Event.deprecation``)."""
    metadata = schema.get("x-trainyard")
    return isinstance(metadata, dict) and metadata.get("deprecated") is not None


class _Docs:
    """The two whole documents, to follow ``$ref`` into their ``$defs``."""

    def __init__(self, released: Schema, current: Schema) -> None:
        self.released = released
        self.current = current
        self.blanking_allowed = is_deprecated(current)

    def resolve(self, node: Schema, *, current: bool) -> Schema:
        document = self.current if current else self.released
        seen = 0
        while "$ref" in node and seen < 32:
            reference: str = node["$ref"]
            target: Any = document
            for part in reference.removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node


def _alternatives(node: Schema) -> list[Schema]:
    if "anyOf" in node:
        return list(node["anyOf"])
    if "oneOf" in node:
        return list(node["oneOf"])
    if isinstance(node.get("type"), list):
        return [{**node, "type": kind} for kind in node["type"]]
    return [node]


def _node_breaks(released: Schema, current: Schema, where: str, docs: _Docs) -> Iterator[str]:
    released = docs.resolve(released, current=False)
    current = docs.resolve(current, current=True)
    olds = [docs.resolve(alt, current=False) for alt in _alternatives(released)]
    for new in (docs.resolve(alt, current=True) for alt in _alternatives(current)):
        matches = [old for old in olds if _same_kind(old, new)]
        if not matches:
            yield f"{where}: admits {_describe(new)}, which the released schema never did"
            continue
        problems = [list(_alternative_breaks(old, new, where, docs)) for old in matches]
        yield from min(problems, key=len)


def _same_kind(old: Schema, new: Schema) -> bool:
    return "type" not in old or old.get("type") == new.get("type")


def _alternative_breaks(old: Schema, new: Schema, where: str, docs: _Docs) -> Iterator[str]:
    for keyword in _SAME_MEANING:
        if keyword in old and old.get(keyword) != new.get(keyword):
            yield f"{where}: {keyword} changed from {old[keyword]!r} to {new.get(keyword)!r}"
    for keyword in ("enum", "const"):
        if keyword in old:
            allowed = old[keyword] if keyword == "enum" else [old[keyword]]
            given = new.get("enum", [new["const"]] if "const" in new else None)
            if given is None:
                yield f"{where}: no longer limited to {allowed!r}"
            elif extra := [value for value in given if value not in allowed]:
                yield f"{where}: new values {extra!r} a subscriber has never seen"
    yield from _object_breaks(old, new, where, docs)
    if "items" in old:
        yield from _node_breaks(old["items"], new.get("items", {}), f"{where}[]", docs)


def _object_breaks(old: Schema, new: Schema, where: str, docs: _Docs) -> Iterator[str]:
    old_properties: Schema = old.get("properties", {})
    new_properties: Schema = new.get("properties", {})
    for name, schema in old_properties.items():
        if name not in new_properties:
            yield f"{where}.{name}: removed"
        elif docs.blanking_allowed and _blanked_personal(schema, new_properties[name], docs):
            continue
        else:
            yield from _node_breaks(schema, new_properties[name], f"{where}.{name}", docs)
    for name in sorted(set(old.get("required", [])) - set(new.get("required", []))):
        yield f"{where}.{name}: no longer required"


def _blanked_personal(old: Schema, new: Schema, docs: _Docs) -> bool:
    """A personal property that now admits the empty string only."""
    if docs.resolve(old, current=False).get("x-trainyard-personal") is not True:
        return False
    alternatives = [docs.resolve(alt, current=True) for alt in _alternatives(docs.resolve(new, current=True))]
    return all(_only_empty_string(alt) for alt in alternatives)


def _only_empty_string(node: Schema) -> bool:
    if node.get("type") != "string":
        return False
    return node.get("const") == "" or node.get("enum") == [""] or node.get("maxLength") == 0


def _describe(node: Schema) -> str:
    if "enum" in node:
        return f"the values {node['enum']!r}"
    return f"type {node.get('type', 'any')!r}"
