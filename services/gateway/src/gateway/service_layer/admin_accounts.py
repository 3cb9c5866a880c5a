"""An admin's credentials over its life (issue 15, item 5): changing one's own password,
resetting another's, disabling and enabling, changing the role, deleting.

Every change that should lock someone out ends that admin's tokens in the same transaction; the
admin API's audit middleware records the admin routes, and a password change (under /auth, not
audited by the middleware) writes its own entry. At least one active admin with the ``admin``
role always remains: the active admins are locked (in one order) before any change that could
remove one, so two concurrent removals cannot both pass.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.admins import Admin, Principal, Role, acceptable_password, normalize_username
from gateway.domain.audit import Outcome
from gateway.service_layer.auth import audit_entry, hashed
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.domain_errors import Conflicting, InvalidInput, NotFoundError
from trainyard_common.passwords.gate import HashingGate

CHANGE_OWN_PASSWORD = "password-change"  # noqa: S105 - an audit action, not a secret


class AdminNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such admin.", field_name="username")


class WrongCurrentPassword(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "current_password", "does not match", message="The current password is wrong.", code="wrong_password"
        )


class LastAdmin(Conflicting):
    def __init__(self) -> None:
        super().__init__(
            "At least one active admin with the admin role must remain.",
            code="last_admin",
            field_name="username",
            field_reason="the last active admin",
        )


class OwnPasswordByReset(Conflicting):
    def __init__(self) -> None:
        super().__init__(
            "Change your own password with PUT /api/v1/auth/password (it asks for the current one).",
            code="own_password",
        )


@dataclass(frozen=True, slots=True)
class ChangeOwnPassword:
    admin_id: uuid.UUID
    current_password: str
    new_password: str
    token_hash: str
    """The token the change was made with: the one that stays."""
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class ResetPassword:
    actor: Principal
    username: str
    new_password: str


@dataclass(frozen=True, slots=True)
class UpdateAdmin:
    actor: Principal
    username: str
    role: Role | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class DeleteAdmin:
    actor: Principal
    username: str


async def change_own_password(
    uow: GatewayUnitOfWork,
    command: ChangeOwnPassword,
    *,
    passwords: Passwords,
    now: datetime,
    gate: HashingGate | None = None,
) -> None:
    """The admin's new password; every other token of theirs ends (this one stays)."""
    acceptable_password(command.new_password, field_name="new_password")
    admin = await uow.admins.by_id(command.admin_id, for_update=True)
    if admin is None or not admin.active:
        raise AdminNotFound
    target = f"admin:{admin.username}"
    if not await hashed(gate, passwords.verify, admin.password_hash, command.current_password):
        await uow.audit.add(
            audit_entry(admin.username, CHANGE_OWN_PASSWORD, target, Outcome.DENIED, 422, client_ip=command.client_ip)
        )
        await uow.commit()
        raise WrongCurrentPassword
    if command.new_password == command.current_password:
        raise InvalidInput("new_password", "must differ from the current password", code="weak_password")
    admin.password_hash = await hashed(gate, passwords.hash, command.new_password)
    await uow.admins.save(admin, password_changed_at=now)
    await uow.tokens.revoke_all(admin.id, now, keep=command.token_hash)
    await uow.audit.add(
        audit_entry(admin.username, CHANGE_OWN_PASSWORD, target, Outcome.SUCCESS, 204, client_ip=command.client_ip)
    )
    await uow.commit()


async def reset_password(
    uow: GatewayUnitOfWork,
    command: ResetPassword,
    *,
    passwords: Passwords,
    now: datetime,
    gate: HashingGate | None = None,
) -> Admin:
    """Another admin's new password, set by an admin; every token of that admin ends."""
    acceptable_password(command.new_password, field_name="password")
    admin = await _target(uow, command.username)
    if admin.id == command.actor.admin_id:
        raise OwnPasswordByReset
    admin.password_hash = await hashed(gate, passwords.hash, command.new_password)
    await uow.admins.save(admin, password_changed_at=now)
    await uow.tokens.revoke_all(admin.id, now)
    await uow.commit()
    return admin


async def update_admin(uow: GatewayUnitOfWork, command: UpdateAdmin, *, now: datetime) -> Admin:
    """Change the role and/or disable or enable; a disabled admin's tokens end at once (a new
    role applies to the admin's next request, as each request reads it)."""
    active_admins = await uow.admins.lock_active_admins()
    admin = await _target(uow, command.username)
    was_counted = admin.counts_as_active_admin
    if command.role is not None:
        admin.role = command.role
    if command.active is not None:
        admin.active = command.active
    if was_counted and not admin.counts_as_active_admin and len(active_admins) <= 1:
        raise LastAdmin
    await uow.admins.save(admin)
    if not admin.active:
        await uow.tokens.revoke_all(admin.id, now)
    await uow.commit()
    return admin


async def delete_admin(uow: GatewayUnitOfWork, command: DeleteAdmin) -> Admin:
    """Remove the admin and (by cascade) its tokens; never the last active admin."""
    active_admins = await uow.admins.lock_active_admins()
    admin = await _target(uow, command.username)
    if admin.counts_as_active_admin and len(active_admins) <= 1:
        raise LastAdmin
    await uow.admins.delete(admin.id)
    await uow.commit()
    return admin


async def _target(uow: GatewayUnitOfWork, username: str) -> Admin:
    admin = await uow.admins.by_username(normalize_username(username), for_update=True)
    if admin is None:
        raise AdminNotFound
    return admin
