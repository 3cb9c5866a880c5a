"""The words events and domains share: enumerations with no pydantic in them.

The event contracts (``trainyard_common.contracts``) use them as field types; a service's
domain imports them from here, so it depends on the vocabulary and not on the contracts.
"""

from __future__ import annotations

from enum import StrEnum


class TrainingItemType(StrEnum):
    """The kinds of training content: a course is made of modules, a certification of courses."""

    MODULE = "module"
    COURSE = "course"
    CERTIFICATION = "certification"


class ServiceName(StrEnum):
    """Trainyard's services, as named in events that say which service did something."""

    CLIENT_DIRECTORY = "client-directory"
    CUSTOMER_ACCOUNT = "customer-account"
    COMMERCE_ACCESS = "commerce-access"
    TRAINING_PROGRESS = "training-progress"
    GATEWAY = "gateway"


class ActorKind(StrEnum):
    """Who caused a change: an admin, the learner themself, the system on its own rules, or an
    LMS integration acting with its client credentials."""

    ADMIN = "admin"
    LEARNER = "learner"
    SYSTEM = "system"
    INTEGRATION = "integration"


class AssignmentReason(StrEnum):
    """How a learner came to belong to a client."""

    DOMAIN = "domain"
    ALIAS = "alias"
    CLASS = "class"
    MANUAL = "manual"


class RemovalReason(StrEnum):
    """Why a learner no longer belongs to any client."""

    MANUAL = "manual"
    """An admin removed the client (e.g. for selected students of a class)."""
    NO_LONGER_MATCHES = "no_longer_matches"
    """The learner's e-mail or organisation changed and no client matches any more."""
    CUSTOMER_ERASED = "customer_erased"
    """The customer was erased or deleted."""


class ModuleKind(StrEnum):
    """What a module is (issue 17, item 7): content, SCORM and quiz modules are taken online; an
    in-person module is an event (a date and a place) the learner attends."""

    CONTENT = "content"
    SCORM = "scorm"
    QUIZ = "quiz"
    IN_PERSON = "in_person"


class ProgressStatus(StrEnum):
    """A learner's progress on one item."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ProgressSource(StrEnum):
    """Where the progress came from."""

    LEARNER = "learner"
    """Recorded automatically from the learner's activity."""
    ADMIN = "admin"
    """Entered manually by an admin."""
    IMPORT = "import"
    """Bulk-imported from a CSV file."""


class OrderSource(StrEnum):
    """How an order came to be."""

    CHECKOUT = "checkout"
    """The learner bought it."""
    ADMIN_ASSIGNMENT = "admin_assignment"
    """An admin assigned a product: a zero-dollar order."""
    IMPORT = "import"
    """A customer-import row with a price id."""


class AccessRevocationReason(StrEnum):
    """Why access ended before its end date."""

    REGISTRATION_CODE_REMOVED = "registration_code_removed"
    """An admin removed a registration-code user; the seat returns to the purchaser."""
    ADMIN = "admin"
    """An admin revoked the access."""


class RegistrationSource(StrEnum):
    """How a customer account came to be: public registration, an admin, or an import."""

    SELF_REGISTRATION = "self_registration"
    ADMIN = "admin"
    IMPORT = "import"


class ProfileField(StrEnum):
    """The profile fields a CustomerProfileUpdated event reports on."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    ORGANIZATION = "organization"


class CustomerStatus(StrEnum):
    """Active: may sign in. Inactive: deactivated by an admin. Locked: suspicious activity."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    LOCKED = "locked"


class ErasureKind(StrEnum):
    """Which request an erasure receipt answers."""

    ERASED = "erased"
    DELETED = "deleted"


class DeletionDecision(StrEnum):
    """commerce-access's answer to a deletion request."""

    APPROVED = "approved"
    """No order, no access, no registration code: the deletion may complete."""
    REFUSED = "refused"
    """The customer has order history or access (the seed forbids deleting them)."""


class ImportOrderOutcome(StrEnum):
    """What commerce-access did with an import row's Price ID."""

    ORDERED = "ordered"
    """A completed order and access exist for the row (created now or by an earlier delivery)."""
    REFUSED = "refused"
    """No order: the Price ID is unknown or the customer may not buy (see the reason)."""
