"""Creating clients; a new client picks up the unmapped learners it matches."""

from __future__ import annotations

from dataclasses import dataclass, field

from client_directory.domain.clients import Client, InvalidClient, new_client, normalize_alias
from client_directory.service_layer.mapping import map_automatically
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork


class ClientConflict(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


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
    if await uow.clients.name_taken(client.name):
        raise ClientConflict("name", "an active client already has this name")
    owners = await uow.clients.domain_owners(client.email_domains)
    if owners:
        domain, owner = next(iter(owners.items()))
        raise ClientConflict("email_domains", f"{domain} already belongs to client {owner!r}")
    await uow.clients.add(client)
    await _map_existing_learners(uow, client)
    await uow.commit()
    return client


async def _map_existing_learners(uow: DirectoryUnitOfWork, client: Client) -> None:
    if not client.email_domains and not client.aliases:
        return
    alias_keys = [normalize_alias(a) for a in client.aliases]
    for learner in await uow.learners.unmapped_matching(client.email_domains, alias_keys):
        await map_automatically(uow, learner)


__all__ = ["ClientConflict", "CreateClient", "InvalidClient", "create_client"]
