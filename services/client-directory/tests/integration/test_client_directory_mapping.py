"""Clients and automatic mapping over real Kafka and PostgreSQL (the service runs in-process)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from trainyard_common.contracts import CustomerProfileUpdatedV2, LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.testing.sealed_events import profile_updated

pytestmark = pytest.mark.integration


def unique_domain() -> str:
    return f"acme-{uuid.uuid4().hex[:8]}.example"


def profile_update(customer_id: uuid.UUID, email: str, previous: str, **extra: Any) -> CustomerProfileUpdatedV2:
    return profile_updated(customer_id, email, previous_email=previous, **extra)


async def test_sub_domain_and_alias_matching(directory: Any) -> None:
    domain, sub_owned = unique_domain(), None
    acme = await directory.create_client([f"@{domain.upper()}"], aliases=["Acme   Widgets Inc"])
    sub_owned = f"eu.{domain}"
    acme_eu = await directory.create_client([sub_owned])

    by_sub = await directory.register(f"ada@mail.{domain}")
    by_longer = await directory.register(f"bob@team.{sub_owned}")
    by_alias = await directory.register("carol@gmail.example", organization="  acme widgets   INC ")

    assert (await directory.wait_learner(by_sub, lambda r: r["client_id"] is not None))["reason"] == "domain"
    assert str((await directory.learner(by_sub))["client_id"]) == acme  # type: ignore[index]
    longer = await directory.wait_learner(by_longer, lambda r: r["client_id"] is not None)
    assert str(longer["client_id"]) == acme_eu  # the client owning the longer domain wins
    alias = await directory.wait_learner(by_alias, lambda r: r["client_id"] is not None)
    assert (str(alias["client_id"]), alias["reason"]) == (acme, "alias")

    client = (await directory.http.get(f"/v1/clients/{acme}")).json()
    assert client["email_domains"] == [domain]  # stored normalised: lower case, no '@'
    [record] = await directory.published(LearnerAssignedToClient, by_alias)
    assert json.loads(record.value)["reason"] == "alias"


async def test_spoofed_addresses_do_not_map(directory: Any) -> None:
    domain = unique_domain()
    await directory.create_client([domain])
    spoof_local = await directory.register(f"{domain}@evil-{uuid.uuid4().hex[:6]}.example")
    spoof_suffix = await directory.register(f"user@{domain}.evil.example")
    control = await directory.register(f"user@{domain}")
    await directory.wait_learner(control, lambda r: r["client_id"] is not None)
    for spoof in (spoof_local, spoof_suffix):
        row = await directory.wait_learner(spoof)
        assert row["client_id"] is None


async def test_spoofed_addresses_do_not_map_when_a_domain_is_added_later(directory: Any) -> None:
    domain = unique_domain()
    spoof = await directory.register(f"user@{domain}.evil.example")
    genuine = await directory.register(f"user@mail.{domain}")
    await directory.wait_learner(spoof)
    await directory.wait_learner(genuine)
    client_id = await directory.create_client([])
    response = await directory.http.patch(f"/v1/clients/{client_id}", json={"email_domains": [domain]})
    assert response.status_code == 200, response.text
    assert str((await directory.learner(genuine))["client_id"]) == client_id  # type: ignore[index]
    assert (await directory.learner(spoof))["client_id"] is None  # type: ignore[index]


async def test_domain_conflict_between_active_clients_is_409(directory: Any) -> None:
    domain = unique_domain()
    first = await directory.create_client([domain], name=f"First {domain}")
    clash = await directory.http.post(
        "/v1/clients", json={"name": f"Second {domain}", "industry": "Technology", "email_domains": [f"@{domain}"]}
    )
    assert clash.status_code == 409
    assert f"First {domain}" in clash.json()["error"]["details"][0]["reason"]
    second = await directory.create_client([])
    patched = await directory.http.patch(f"/v1/clients/{second}", json={"email_domains": [domain.upper()]})
    assert patched.status_code == 409
    assert patched.json()["error"]["details"][0]["field"] == "email_domains"
    # Once the first is inactive the domain is free; reactivating the first then clashes.
    assert (await directory.http.patch(f"/v1/clients/{first}", json={"active": False})).status_code == 200
    assert (await directory.http.patch(f"/v1/clients/{second}", json={"email_domains": [domain]})).status_code == 200
    assert (await directory.http.patch(f"/v1/clients/{first}", json={"active": True})).status_code == 409


async def test_names_unique_among_active_clients_and_validation(directory: Any) -> None:
    name = f"Unique {uuid.uuid4().hex[:8]}"
    first = await directory.create_client([], name=name)
    dup = await directory.http.post("/v1/clients", json={"name": name.upper(), "industry": "Technology"})
    assert dup.status_code == 409
    await directory.http.patch(f"/v1/clients/{first}", json={"active": False})
    assert (await directory.http.post("/v1/clients", json={"name": name, "industry": "Technology"})).status_code == 201
    bad = await directory.http.patch(f"/v1/clients/{first}", json={"industry": "Space piracy"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "industry"
    bad_domain = await directory.http.patch(f"/v1/clients/{first}", json={"email_domains": ["not a domain"]})
    assert bad_domain.status_code == 422
    assert (await directory.http.patch(f"/v1/clients/{uuid.uuid4()}", json={"name": "x"})).status_code == 404


async def test_search_and_filters(directory: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    domain = f"searchable-{tag}.example"
    client_id = await directory.create_client([domain], aliases=[f"Alias {tag} Ltd"], name=f"Zeta {tag}")
    for search in (f"zeta {tag}", f"searchable-{tag}", f"alias {tag}", f"@{domain}"):
        found = (await directory.http.get("/v1/clients", params={"search": search})).json()
        assert [c["id"] for c in found["items"]] == [client_id], search
    await directory.http.patch(f"/v1/clients/{client_id}", json={"active": False})
    active = (await directory.http.get("/v1/clients", params={"search": tag, "active": "true"})).json()
    assert active["total"] == 0
    inactive = (await directory.http.get("/v1/clients", params={"search": tag, "active": "false"})).json()
    assert inactive["total"] == 1
    other = (await directory.http.get("/v1/clients", params={"search": tag, "industry": "Retail"})).json()
    assert other["total"] == 0


async def test_deactivated_client_no_longer_maps_and_still_reports(directory: Any) -> None:
    domain = unique_domain()
    client_id = await directory.create_client([domain])
    before = await directory.register(f"before@{domain}")
    await directory.wait_learner(before, lambda r: r["client_id"] is not None)
    assert (await directory.http.patch(f"/v1/clients/{client_id}", json={"active": False})).json()["active"] is False

    after = await directory.register(f"after@{domain}")
    assert (await directory.wait_learner(after))["client_id"] is None
    assert str((await directory.learner(before))["client_id"]) == client_id  # type: ignore[index]
    [row] = (await directory.report(client_id=client_id))["items"]
    assert (row["learners"], row["active"]) == (1, False)

    # Reactivated: the learners it matches map again.
    assert (await directory.http.patch(f"/v1/clients/{client_id}", json={"active": True})).status_code == 200
    assert str((await directory.learner(after))["client_id"]) == client_id  # type: ignore[index]


async def test_adding_an_alias_maps_existing_unmapped_learners(directory: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    learner = await directory.register(f"x@free-{tag}.example", organization=f"Org {tag}")
    await directory.wait_learner(learner)
    client_id = await directory.create_client([])
    await directory.http.patch(f"/v1/clients/{client_id}", json={"aliases": [f"ORG  {tag}"]})
    row = await directory.learner(learner)
    assert (str(row["client_id"]), row["reason"]) == (client_id, "alias")  # type: ignore[index]
    listed = (await directory.http.get(f"/v1/clients/{client_id}/learners")).json()
    assert [(i["customer_id"], i["how"]) for i in listed["items"]] == [(str(learner), "alias")]


async def test_profile_update_remaps_and_removes_with_reasons(directory: Any) -> None:
    old, new = unique_domain(), unique_domain()
    old_client = await directory.create_client([old])
    new_client = await directory.create_client([new])
    learner = await directory.register(f"ada@{old}")
    await directory.wait_learner(learner, lambda r: r["client_id"] is not None)

    await directory.send(profile_update(learner, f"ada@{new}", f"ada@{old}"))
    moved = await directory.wait_learner(learner, lambda r: str(r["client_id"]) == new_client)
    assert moved["reason"] == "domain"
    records = await directory.published(LearnerAssignedToClient, learner, at_least=2)
    assert json.loads(records[-1].value)["previous_client_id"] == old_client

    await directory.send(profile_update(learner, "ada@nowhere.example", f"ada@{new}"))
    await directory.wait_learner(learner, lambda r: r["client_id"] is None)
    [removed] = await directory.published(LearnerRemovedFromClient, learner)
    assert json.loads(removed.value)["reason"] == "no_longer_matches"


async def test_manual_assignment_survives_a_later_email_change(directory: Any) -> None:
    domain, other = unique_domain(), unique_domain()
    await directory.create_client([domain])
    await directory.create_client([other])
    chosen = await directory.create_client([])
    learner = await directory.register(f"ada@{domain}")
    await directory.wait_learner(learner, lambda r: r["client_id"] is not None)
    class_id = (
        await directory.http.post(
            "/v1/classes", json={"name": "Any", "starts_on": "2026-01-05", "ends_on": "2026-01-06"}
        )
    ).json()["id"]
    await directory.http.post(f"/v1/classes/{class_id}/enrollments", json={"customer_ids": [str(learner)]})
    assigned = await directory.http.post(
        f"/v1/classes/{class_id}/client-assignments", json={"customer_ids": [str(learner)], "client_id": chosen}
    )
    assert assigned.status_code == 200, assigned.text

    await directory.send(profile_update(learner, f"ada@{other}", f"ada@{domain}"))
    await directory.wait_learner(learner, lambda r: r["email"] == f"ada@{other}")
    await asyncio.sleep(0.2)
    row = await directory.learner(learner)
    assert (str(row["client_id"]), row["reason"]) == (chosen, "manual")  # type: ignore[index]
