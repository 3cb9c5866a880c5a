"""What can go wrong in customer-account's use cases (the entrypoints map them to HTTP)."""

from __future__ import annotations


class EmailAlreadyRegistered(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is already registered")
        self.email = email


class CustomerNotFound(Exception):
    pass


class GroupNotFound(Exception):
    def __init__(self, group_id: object) -> None:
        super().__init__(f"no group {group_id}")
        self.group_id = group_id


class GroupNameTaken(Exception):
    pass


class NotAllowed(Exception):
    """The customer's state forbids the action (erase unless inactive, delete with orders…)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WrongPassword(Exception):
    pass
