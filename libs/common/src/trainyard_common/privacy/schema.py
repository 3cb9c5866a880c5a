"""The contracts' annotation of a sealed field (the one part of ``privacy`` that needs pydantic)."""

from __future__ import annotations

from typing import Annotated

from pydantic import WithJsonSchema

from trainyard_common.privacy.sealing import ENVELOPE_PATTERN

SEALED_TEXT_SCHEMA: dict[str, object] = {
    "type": "string",
    "pattern": ENVELOPE_PATTERN,
    "x-trainyard-encrypted": True,
    "description": "Personal data sealed with the customer's own key (AES-256-GCM, associated data: customer id "
    "and field name): 'tyenc:v1:' + base64url(nonce || ciphertext). Unreadable once the customer is erased.",
}

SealedText = Annotated[str, WithJsonSchema(SEALED_TEXT_SCHEMA)]
"""A contract field holding a sealed value (``str`` to pydantic, marked encrypted in the JSON Schema)."""
