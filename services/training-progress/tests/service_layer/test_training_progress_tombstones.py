"""An erased or deleted customer stays out of the customer projection: a late, replayed or
re-consumed UserRegistered / CustomerProfileUpdated writes no e-mail or name back (issue 16, item 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from training_progress.bootstrap import MIGRATIONS
from training_progress.service_layer import erasure
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.testing.tombstones import replay_after
from trainyard_common.testing.use_cases import units_of_work
from trainyard_common.vocabulary import ErasureKind

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", [ErasureKind.ERASED, ErasureKind.DELETED], ids=["erased", "deleted"])
async def test_a_replayed_registration_or_profile_change_writes_nothing_back(
    new_database: Callable[[str], str], kind: ErasureKind
) -> None:
    end = erasure.delete_customer if kind is ErasureKind.DELETED else erasure.erase_customer
    async with units_of_work(new_database("tp_tomb"), ProgressUnitOfWork, MIGRATIONS) as uows:
        await replay_after(uows, end, kind)
