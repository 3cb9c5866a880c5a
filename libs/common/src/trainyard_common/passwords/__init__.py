"""The one password policy (``policy``) and the bound on concurrent password hashes (``gate``).

Every service that takes a password checks it with ``policy.check_password`` and hashes it inside
``HashingGate.slot()``. The gate's names load lazily, so a domain importing the policy pulls in
no HTTP framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trainyard_common.passwords.policy import MIN_LENGTH, check_password

if TYPE_CHECKING:
    from trainyard_common.passwords.gate import HashingBusy, HashingGate, install_hashing_busy_handler

__all__ = ["MIN_LENGTH", "HashingBusy", "HashingGate", "check_password", "install_hashing_busy_handler"]

_LAZY = frozenset({"HashingBusy", "HashingGate", "install_hashing_busy_handler"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("trainyard_common.passwords.gate"), name)
    raise AttributeError(name)
