"""Clients, who shares them, and which workshops are theirs (protocol §8): the writes.

Sharing a client opens its workshops to its colleagues as facilitators, by explicit memberships
made eagerly, so that `goals` (which decides who may do what in a workshop) never learns about
clients: linking a workshop to a client admits every colleague; adding a colleague admits them to
every workshop of the client; each admission is the op `goals.members.admit` in the one change
path (`member.joined` or `member.changed` on the board). What a client gave is recorded
(`Facilitation`) and taken back when the colleague leaves the client or the workshop leaves it
(`room.members.member_dismiss`): removed if they were not a member before, their old role back if
they were. docs/decisions.md, "Clients, colleagues and the portfolio (issue 22)".

A client's colleague changes and each workshop's admissions are separate transactions, one per
workshop, as every op is: repeating a request that failed half-way completes it.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from clients.models import Client, ClientWorkshop, Facilitation
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.validation import identifier, text
from goals.members import admit
from goals.models import FACILITATING, Member, Role
from live.changes import Change, run
from room.members import member_dismiss

CLIENT_NAME_MAX = 80
USERNAME_MAX = 150


def client_json(client: Client) -> dict[str, Any]:
    """`{"id", "name", "colleagues"}`; the colleagues' usernames in alphabetical order (read them
    with `prefetch_related("colleagues")` for a list)."""
    usernames = sorted(user.get_username() for user in client.colleagues.all())
    return {"id": client.id, "name": client.name, "colleagues": usernames}


def shared_clients(user: AbstractBaseUser) -> list[Client]:
    return list(Client.objects.filter(colleagues=user).prefetch_related("colleagues").order_by("name", "id"))


def shared_client(user: AbstractBaseUser, client_id: Any, *, for_update: bool = False) -> Client:
    """A client `user` shares; any other, or none, is not found (never forbidden)."""
    if isinstance(client_id, str):
        # ASCII digits only: str.isdigit() takes "²", which int() refuses (issue 20).
        client_id = int(client_id) if re.fullmatch(r"[0-9]{1,18}", client_id) else -1
    client_id = identifier(client_id, "client")
    found = Client.objects.filter(pk=client_id, colleagues=user)
    if for_update:
        found = found.select_for_update()
    client = found.first()
    if client is None:
        raise NotFound("There is no such client.", field="client")
    return client


def client_create(*, user: AbstractBaseUser, name: Any) -> Client:
    """A new client, shared by its creator."""
    with transaction.atomic():
        client = Client.objects.create(
            name=text(name, "name", min_length=1, max_length=CLIENT_NAME_MAX), created_by=user
        )
        client.colleagues.add(user)
    return client


def colleague_add(*, user: AbstractBaseUser, client_id: Any, username: Any) -> Client:
    """Share the client with another account, who becomes a facilitator of each of its workshops."""
    username = text(username, "username", min_length=1, max_length=USERNAME_MAX)
    with transaction.atomic():
        client = shared_client(user, client_id, for_update=True)
        colleague = get_user_model().objects.filter(username=username, is_active=True).first()
        if colleague is None:
            raise Invalid("username", f"There is no account named {username}.")
        client.colleagues.add(colleague)
    for workshop_id in _workshops_of(client):
        run(workshop_id, None, None, lambda change: _admit_colleagues(change, client.id, [colleague]))
    return client


def colleague_remove(*, user: AbstractBaseUser, client_id: Any, username: str) -> None:
    """Stop sharing the client with `username` (anyone sharing it may, themselves included): what it
    gave them in its workshops is taken back. The last colleague stays (409 `conflict`)."""
    with transaction.atomic():
        client = shared_client(user, client_id, for_update=True)
        colleagues = list(client.colleagues.all())
        leaving = next((each for each in colleagues if each.get_username() == username), None)
        if leaving is None:
            raise NotFound(f"{username} does not share this client.", field="username")
        if len(colleagues) == 1:
            raise Conflict("A client keeps at least one colleague: add another before removing this one.")
        client.colleagues.remove(leaving)
    for workshop_id in Facilitation.objects.filter(client=client, user=leaving).values_list("workshop_id", flat=True):
        run(workshop_id, None, None, lambda change: _take_back(change, [leaving.pk]))


def workshop_client_set(*, workshop_id: str, member: Member, client_id: Any) -> int | None:
    """The leader puts their workshop with one of their clients, another one, or none (`client_id`
    None): the colleagues of the new client are admitted as facilitators, what the old one gave
    those who do not share the new one is taken back. Returns the client's id."""
    if member.role != Role.LEADER:
        raise Forbidden("Only the leader chooses the workshop's client.")
    client = None if client_id is None else shared_client(member.user, client_id)
    new_id = client.id if client is not None else None

    def perform(change: Change) -> None:
        change.require_role({Role.LEADER}, "Only the leader chooses the workshop's client.")
        link = ClientWorkshop.objects.filter(workshop_id=change.workshop.id).first()
        if (link.client_id if link else None) == new_id:
            return
        colleagues = list(client.colleagues.all()) if client is not None else []
        staying = {colleague.pk for colleague in colleagues}
        given = Facilitation.objects.filter(workshop_id=change.workshop.id)
        _take_back(change, [each.user_id for each in given if each.user_id not in staying])
        if link is None:
            change.insert([ClientWorkshop(workshop_id=change.workshop.id, client_id=new_id)])
        elif new_id is None:
            change.write(f"DELETE FROM {ClientWorkshop._meta.db_table} WHERE id = %s", [link.id])  # noqa: S608 (model metadata only)
        else:
            link.client_id = new_id
            change.update(link, ["client"])
        if new_id is not None:
            _admit_colleagues(change, new_id, colleagues)

    run(workshop_id, member.id, None, perform)
    return new_id


def _workshops_of(client: Client) -> list[str]:
    return list(
        ClientWorkshop.objects.filter(client=client).order_by("workshop_id").values_list("workshop_id", flat=True)
    )


def _admit_colleagues(change: Change, client_id: int, colleagues: list[AbstractBaseUser]) -> None:
    """Make each colleague a facilitator of the workshop, and record what that gave them."""
    given = {each.user_id: each for each in Facilitation.objects.filter(workshop_id=change.workshop.id)}
    for colleague in colleagues:
        _, before = admit(change, colleague, Role.FACILITATOR)
        record = given.get(colleague.pk)
        if record is not None:
            # Given before: still the client's (a workshop moved between two clients the colleague shares).
            if record.client_id != client_id:
                record.client_id = client_id
                change.update(record, ["client"])
            if before is None and record.role_before:
                record.role_before = ""  # removed since, and back only through the client
                change.update(record, ["role_before"])
        elif before not in FACILITATING:
            change.insert(
                [
                    Facilitation(
                        workshop_id=change.workshop.id,
                        user_id=colleague.pk,
                        client_id=client_id,
                        role_before=before or "",
                    )
                ]
            )


def _take_back(change: Change, user_ids: list[int]) -> None:
    """Undo what a client gave these accounts in the workshop, and forget it."""
    if not user_ids:
        return
    given = Facilitation.objects.filter(workshop_id=change.workshop.id, user_id__in=user_ids)
    members = {
        each.user_id: each for each in Member.objects.filter(workshop_id=change.workshop.id, user_id__in=user_ids)
    }
    for record in given:
        member = members.get(record.user_id)
        if member is not None:
            member_dismiss(change, member, record.role_before or None)
        change.write(f"DELETE FROM {Facilitation._meta.db_table} WHERE id = %s", [record.id])  # noqa: S608 (model metadata only)


def client_for_new_workshop(change: Change, client: Client) -> None:
    """A workshop started for a client (protocol §8, `client`): linked, and the client's colleagues
    admitted as facilitators, in the change that creates it."""
    change.insert([ClientWorkshop(workshop_id=change.workshop.id, client_id=client.id)])
    _admit_colleagues(change, client.id, list(client.colleagues.all()))
