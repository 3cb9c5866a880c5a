"""Set-password tokens (their SHA-256 only): added in bulk with the welcome e-mails, taken once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import password_setup_tokens
from customer_account.domain.password_setup import SetupToken
from trainyard_common.db.batches import InsertRows

_ADD = InsertRows(password_setup_tokens, ["token_hash", "customer_id", "created_at", "expires_at"])
_T = password_setup_tokens.c


class SetupTokens:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, tokens: Sequence[SetupToken]) -> None:
        await _ADD.execute(self._session, [(t.token_hash, t.customer_id, t.created_at, t.expires_at) for t in tokens])

    async def get(self, token_hash: str) -> SetupToken | None:
        row = (await self._session.execute(select(password_setup_tokens).where(_T.token_hash == token_hash))).first()
        return SetupToken(row.token_hash, row.customer_id, row.created_at, row.expires_at) if row else None

    async def take(self, token_hash: str, at: datetime) -> uuid.UUID | None:
        """End the token (single use): its customer when it was still usable, else None. Two
        concurrent uses: the second waits for the first's commit, then finds nothing."""
        taken: uuid.UUID | None = await self._session.scalar(
            delete(password_setup_tokens)
            .where(_T.token_hash == token_hash, _T.expires_at > at)
            .returning(_T.customer_id)
        )
        return taken

    async def end_all(self, customer_id: uuid.UUID, at: datetime) -> None:
        """Every other link of the customer ends; expired links of anyone are purged on the way."""
        await self._session.execute(
            delete(password_setup_tokens).where((_T.customer_id == customer_id) | (_T.expires_at <= at))
        )
