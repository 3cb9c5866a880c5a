"""An erased customer stays out of the customer projection: a late, replayed or re-consumed
UserRegistered / CustomerProfileUpdated writes no e-mail or name back (issue 16, item 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.service_layer import erasure
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.tombstones import replay_after
from trainyard_common.testing.use_cases import units_of_work
from trainyard_common.vocabulary import ErasureKind

pytestmark = pytest.mark.integration


async def test_a_replayed_registration_or_profile_change_writes_nothing_back(
    new_database: Callable[[str], str],
) -> None:
    async with units_of_work(new_database("ca_tomb"), CommerceUnitOfWork, MIGRATIONS) as uows:
        await replay_after(uows, erasure.erase_customer, ErasureKind.ERASED)
