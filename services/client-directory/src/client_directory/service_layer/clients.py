"""Creating and changing clients; a client that gains domains or aliases picks up the unmapped
learners they match."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from client_directory.domain.clients import Client, ClientChanges, InvalidClient, new_client, normalize_alias
from client_directory.domain.errors import ConflictingInput, NotFoundError
from client_directory.service_layer.mapping import map_learners
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork

ClientConflict = ConflictingInput


@dataclass(frozen=True, slots=True)
class CreateClient:
    name: str
    industry: str
    email_domains: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


async def create_client(uow: DirectoryUnitOfWork, command: CreateClient) -> Client:
    client = new_client(
        name=command.name, industry=command.industry, email_domains=command.email_domains, aliases=command.aliases
    )
    await uow.clients.lock()
    await _check_unique(uow, client)
    await uow.clients.add(client)
    await _map_existing_learners(uow, client.email_domains, client.aliases)
    await uow.commit()
    return client


async def change_client(uow: DirectoryUnitOfWork, client_id: uuid.UUID, changes: ClientChanges) -> Client:
    """Deactivated: out of pick lists and automatic mapping, its learners and figures stay."""
    await uow.clients.lock()
    client = await uow.clients.get(client_id)
    if client is None:
        raise NotFoundError("No such client.")
    gained = client.change(changes)
    if client.active:
        await _check_unique(uow, client)
    await uow.clients.update(client)
    if client.active:
        if gained.active:  # reactivated: every domain and alias maps again
            await _map_existing_learners(uow, client.email_domains, client.aliases)
        else:
            await _map_existing_learners(uow, gained.email_domains or [], gained.aliases or [])
    await uow.commit()
    return client


async def _check_unique(uow: DirectoryUnitOfWork, client: Client) -> None:
    if await uow.clients.name_taken(client.name, other_than=client.id):
        raise ConflictingInput("name", "an active client already has this name")
    owners = await uow.clients.domain_owners(client.email_domains, other_than=client.id)
    if owners:
        domain, owner = sorted(owners.items())[0]
        raise ConflictingInput("email_domains", f"{domain} already belongs to client {owner!r}")


async def _map_existing_learners(uow: DirectoryUnitOfWork, domains: list[str], aliases: list[str]) -> None:
    if not domains and not aliases:
        return
    alias_keys = [normalize_alias(a) for a in aliases]
    await map_learners(uow, await uow.learners.unmapped_matching(domains, alias_keys))


__all__ = ["ClientConflict", "CreateClient", "InvalidClient", "change_client", "create_client"]
