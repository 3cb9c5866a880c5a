"""customer-account's answers about learner tokens, many tokens to a call.

The learner guard asks about every token in use about once a second (``adapters.token_cache``:
its answers live at most a second). Asked one by one, 50 signed-in learners made 50 calls a
second to customer-account, each a request through both services' HTTP stacks and two
statements; gathered (``adapters.gathering``), the refreshes of the tokens in use go out together
(``POST /v1/sessions/introspect-many``: two statements for all of them). A request that has no
answer to go on waits for nobody: its check leaves with whatever is gathered by then.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.adapters.gathering import Gathered
from gateway.adapters.services import ServiceClient
from gateway.domain.replies import ServiceUnavailable
from trainyard_common.api.customers import MAX_TOKENS_PER_INTROSPECTION, TOKEN_MAX_LENGTH

REFRESH_GATHER_SECONDS = 0.1
"""How long a refresh ahead waits for others (its answer is still good meanwhile)."""


class SessionChecks:
    def __init__(self, customer_account: ServiceClient, *, gather_seconds: float = REFRESH_GATHER_SECONDS) -> None:
        self._client = customer_account
        self.gather_seconds = gather_seconds
        self._gathered: Gathered[str, dict[str, Any] | None] = Gathered(
            self._ask, max_size=MAX_TOKENS_PER_INTROSPECTION
        )

    async def check(self, token: str, *, waiting: bool) -> dict[str, Any] | None:
        """The live session of ``token`` as customer-account answers it, or None. ``waiting``: a
        request waits on the answer (no gathering delay); else a refresh ahead."""
        if not 1 <= len(token) <= TOKEN_MAX_LENGTH:
            return None  # no such token is issued: not asked (it would fail the others' call)
        return await self._gathered(token, within=0.0 if waiting else self.gather_seconds)

    async def _ask(self, tokens: list[str]) -> list[dict[str, Any] | None]:
        reply = await self._client.call("POST", "/v1/sessions/introspect-many", body={"tokens": tokens})
        if reply.status_code != 200:
            raise ServiceUnavailable(self._client.name, f"session checks answered {reply.status_code}")
        sessions: list[dict[str, Any] | None] = orjson.loads(reply.content)["sessions"]
        return sessions
