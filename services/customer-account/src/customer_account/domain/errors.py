"""What can go wrong in customer-account's use cases.

Each derives from ``trainyard_common.domain_errors``, whose handlers (installed on the app) give
the one error body: a route only calls the use case.
"""

from __future__ import annotations

from trainyard_common.domain_errors import Conflicting, InvalidInput, NotFoundError


class CustomerNotFound(NotFoundError):
    def __init__(self, customer_id: object = None) -> None:
        super().__init__("No such customer.")
        self.customer_id = customer_id


class EmailAlreadyRegistered(Conflicting):
    def __init__(self, email: str) -> None:
        super().__init__(
            "This e-mail address is already registered.",
            code="email_taken",
            field_name="email",
            field_reason="already registered",
        )
        self.email = email


class GroupNotFound(InvalidInput):
    def __init__(self, group_id: object) -> None:
        super().__init__("group_ids", f"no group {group_id}", code="unknown_group")
        self.group_id = group_id


class GroupNameTaken(Conflicting):
    def __init__(self, name: str) -> None:
        super().__init__(
            "A group with this name exists.", code="group_name_taken", field_name="name", field_reason="taken"
        )
        self.name = name


class WrongCurrentPassword(InvalidInput):
    """The learner's own password change names a current password that does not match."""

    def __init__(self) -> None:
        super().__init__(
            "current_password", "does not match", message="The current password is wrong.", code="wrong_password"
        )


class NotAllowed(Conflicting):
    """The customer's state forbids the action (erase unless inactive, delete with orders…)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason, code=code)


class NoDeletionRequested(NotFoundError):
    def __init__(self, customer_id: object = None) -> None:
        super().__init__("No deletion was requested for this customer.")
        self.customer_id = customer_id


class ImportNotFound(NotFoundError):
    def __init__(self, import_id: object = None) -> None:
        super().__init__("No such customer import.")
        self.import_id = import_id
