"""The base every event contract derives from.

An event is a fact another service may rely on. Its model is the contract: the JSON Schema
exported from it is what subscribers outside this repository read. Consumers ignore fields
they do not know, so adding an optional field is not a breaking change; removing or
retyping one is, and then the event gets a new topic (``UserRegistered.v2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A topic on its way out: from ``since`` its personal fields may be blank (``""``), on
    ``retire_on`` it is retired; ``successor`` is the topic that replaces it. Exported in the JSON
    Schema's ``x-trainyard.deprecated``."""

    since: date
    retire_on: date
    successor: str

    def as_schema(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "retire_on": self.retire_on.isoformat(), "successor": self.successor}


class Event(BaseModel):
    """Base of all event payloads.

    Subclasses set ``event_type`` (also the topic name) and ``aggregate_field`` (the
    field whose value is the Kafka message key, so one aggregate's events stay in order).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    aggregate_field: ClassVar[str] = "customer_id"
    deprecation: ClassVar[Deprecation | None] = None
    """Set on a version 1 whose successor has replaced it (not yet: the lead decides when)."""

    @classmethod
    def topic(cls) -> str:
        """The Kafka topic of this event: its type, with a ``.vN`` suffix from version 2 on."""
        if cls.schema_version == 1:
            return cls.event_type
        return f"{cls.event_type}.v{cls.schema_version}"

    def aggregate_id(self) -> str:
        """The message key: the id of the aggregate this event is about."""
        return str(getattr(self, self.aggregate_field))
