"""`manage.py delete_workshop` and `manage.py export_workshop` (room.workshop_data).

`busy` is a workshop with rows in every table of both apps, made through the ops where there is
one; `other_workshop` is a bystander that must come through untouched. Which rows belong to a
workshop is worked out here from the models themselves, not from the code under test, so that a
table the code forgot shows up as a row left behind or missing from the export.
"""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.test import override_settings

from calendars.feeds import feed_create
from calendars.models import CalendarFeed
from chat.models import ChatRoom
from chat.rooms import room_create
from goals.invites import invite_create
from goals.models import Invite, Member, Phase, Role, Workshop
from jobs.log import read_log
from live.models import Connection
from live.presence import presence_admit
from mail.addresses import address_set, preferences_set
from planning.models import ConfidenceAnswer
from room import workshop_data
from tests.planning.helpers import add_item, send, set_phase
from webhooks.endpoints import endpoint_create
from webhooks.models import Endpoint

# The board's apps, and those above the room that keep rows of a workshop (protocol §9).
APPS = ("live", "goals", "planning", "chat", "webhooks", "mail", "calendars")


def every_model() -> list[type[models.Model]]:
    return [model for name in APPS for model in apps.get_app_config(name).get_models()]


def rows_of(model: type[models.Model], workshop_id: str) -> models.QuerySet:
    """The rows of `model` that belong to the workshop, found by the model's own fields."""
    if model is Workshop:
        return model.objects.filter(pk=workshop_id)
    if model is ConfidenceAnswer:
        return model.objects.filter(confidence__workshop_id=workshop_id)
    names = {field.name for field in model._meta.concrete_fields}
    if "workshop" in names:
        return model.objects.filter(workshop_id=workshop_id)
    # One step away: a delivery's endpoint, a chat post's room, a guest's address's member.
    for field in model._meta.concrete_fields:
        related = field.related_model
        if related is not None and "workshop" in {f.name for f in related._meta.concrete_fields}:
            return model.objects.filter(**{f"{field.name}__workshop_id": workshop_id})
    raise AssertionError(f"{model.__name__}: how does a row of it belong to a workshop?")


def snapshot_of(workshop_id: str) -> dict[str, set[int | str]]:
    """Every model's primary keys of the workshop's rows."""
    return {
        model._meta.label_lower: set(rows_of(model, workshop_id).values_list("pk", flat=True))
        for model in every_model()
    }


def everything() -> dict[str, set[int | str]]:
    return {model._meta.label_lower: set(model.objects.values_list("pk", flat=True)) for model in every_model()}


@pytest.fixture
def busy(room):
    """The room's workshop with a row in every table: items, a vote, a claim, a confidence check
    with an answer, an agreed plan, an offer of help, a progress report, a check-in, an observer
    invite beside the member invite, an open socket's row, and the ops' events and receipts."""
    workshop, leader, facilitator, member, target = (
        room.workshop,
        room.leader,
        room.facilitator,
        room.member,
        room.target,
    )
    # Where the plan's news goes (protocol §9): addresses on loopback's discard port, never sent to here.
    with override_settings(WEBHOOKS_ALLOW_HTTP=True, WEBHOOKS_ALLOW_PRIVATE=True):
        room_create(member=leader, body={"kind": "slack", "url": "http://127.0.0.1:9/chat"})
        endpoint_create(member=leader, fields={"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    address = address_set(email="member@example.org", member=member)
    address.confirmed_at = address.created_at
    address.save(update_fields=["confirmed_at"])
    preferences_set(member, ["commitments"])
    feed_create(member=member)
    first = add_item(workshop, member, title="Write the welcome email")
    add_item(workshop, target, title="Record a tour video")
    set_phase(workshop, Phase.VOTE)
    send(workshop, member, "vote.cast", item=first)
    send(workshop, facilitator, "phase.set", phase="plan")
    send(workshop, facilitator, "confidence.open")
    send(workshop, member, "confidence.answer", score=4)
    send(workshop, facilitator, "item.status", item=first, status="accepted")
    send(workshop, member, "item.claim", item=first)
    send(workshop, facilitator, "phase.set", phase="agreed")
    send(workshop, target, "item.help", item=first, offer=True, note="I can pair on it")
    send(workshop, member, "item.progress", item=first, state="on_track", note="Draft is out")
    send(workshop, facilitator, "checkin.record", note="Week one")
    invite_create(workshop=workshop, created_by=leader, role=Role.OBSERVER)
    presence_admit(workshop_id=workshop.id, member_id=member.id, channel_name="specific.test!one", session_key="s" * 32)
    for reader in ("chat", "webhooks", "mail"):
        read_log.call(reader, workshop.id, 0)
    workshop.refresh_from_db()
    empty = [label for label, pks in snapshot_of(workshop.id).items() if not pks]
    assert not empty, f"the busy workshop has no rows in {empty}"
    return workshop


def delete(workshop_id: str, *options: str) -> str:
    """The command as a shell runs it; `--` since an id may begin with "-"."""
    out = StringIO()
    call_command("delete_workshop", *options, "--", workshop_id, stdout=out)
    return out.getvalue()


def export(workshop_id: str, *options: str) -> dict:
    out = StringIO()
    call_command("export_workshop", *options, "--", workshop_id, stdout=out)
    return json.loads(out.getvalue())


def printed_counts(output: str) -> dict[str, int]:
    return {table: int(count) for table, count in re.findall(r"^(\w+\.\w+): (\d+)$", output, re.MULTILINE)}


# Which tables


def test_every_table_of_both_apps_is_a_table_of_the_workshop():
    assert {model for model, _ in workshop_data.tables()} == set(every_model())


# Erasure


def test_deleting_removes_every_row_of_the_workshop_and_nothing_else(busy, other_workshop, leader_user):
    ours = snapshot_of(busy.id)
    theirs = snapshot_of(other_workshop.id)
    before = everything()

    output = delete(busy.id, "--yes")

    after = everything()
    for label, pks in before.items():
        assert after[label] == pks - ours[label], f"{label}: rows of the workshop left, or others deleted"
        assert theirs[label] <= after[label]
    assert printed_counts(output) == {label: len(pks) for label, pks in ours.items()}
    assert f"Deleted workshop {busy.id} ({sum(len(pks) for pks in ours.values())} rows)" in output
    # The accounts are not the workshop's.
    assert type(leader_user).objects.filter(pk=leader_user.pk).exists()
    assert Member.objects.filter(workshop=other_workshop, role=Role.LEADER).exists()


def test_deleting_twice_or_an_unknown_id_is_a_clear_error(busy):
    delete(busy.id, "--yes")
    with pytest.raises(CommandError, match=f"There is no workshop '{busy.id}'"):
        delete(busy.id, "--yes")
    with pytest.raises(CommandError, match="There is no workshop 'no-such-workshop'"):
        delete("no-such-workshop", "--yes")


def test_without_yes_it_asks_and_deletes_only_on_yes(busy, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["no", "yes"])
    asked = []

    def answer(prompt):
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing deleted"):
        call_command("delete_workshop", "--", busy.id, stdout=out)
    assert busy.title in out.getvalue()
    assert "  planning.item: 2" in out.getvalue()
    assert Workshop.objects.filter(pk=busy.pk).exists()

    delete(busy.id)
    assert len(asked) == 2
    assert not Workshop.objects.filter(pk=busy.pk).exists()


def test_without_yes_and_without_a_terminal_nothing_is_deleted(busy, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="--yes"):
        delete(busy.id)
    assert Workshop.objects.filter(pk=busy.pk).exists()


def test_sockets_of_the_workshop_are_told_to_close_once_it_is_gone(
    busy, monkeypatch, django_capture_on_commit_callbacks
):
    """Through real sockets in tests/planning/test_housekeeping_sockets.py; here, that it is after the commit."""
    told = []
    monkeypatch.setattr(workshop_data, "close_channels", told.append)
    channels = list(Connection.objects.filter(workshop=busy).values_list("channel_name", flat=True))
    with django_capture_on_commit_callbacks() as callbacks:
        delete(busy.id, "--yes")
    assert told == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert told == [channels]


# Export


def test_the_export_holds_every_row_of_the_workshop_in_key_order(busy, other_workshop):
    exported = export(busy.id)

    assert exported["format"] == "rallypoint.workshop"
    assert exported["format_version"] == 1
    assert exported["workshop"] == busy.id
    assert datetime.fromisoformat(exported["exported_at"]).tzinfo is not None
    assert list(exported["tables"]) == [model._meta.label_lower for model, _ in workshop_data.tables()]
    for label, pks in snapshot_of(busy.id).items():
        rows = exported["tables"][label]
        assert [row["id"] for row in rows] == sorted(pks), label
    assert other_workshop.id not in json.dumps(exported["tables"])


def test_the_export_leaves_out_every_secret(busy):
    text = json.dumps(export(busy.id))
    exported = json.loads(text)

    secrets = {
        "goals.invite": {"nonce", "token_hash"},
        "goals.member": {"guest_key", "return_link_hash"},
        "live.connection": {"session_hash"},
        "chat.chatroom": {"url_sealed"},
        "webhooks.endpoint": {"secret_sealed"},
        "mail.address": {"confirm_nonce", "confirm_hash"},
        "mail.mail": {"nonce", "signin_hash"},
        "calendars.calendarfeed": {"token_hash"},
    }
    assert exported["left_out"] == {label: sorted(columns) for label, columns in secrets.items()}
    for label, columns in secrets.items():
        for row in exported["tables"][label]:
            assert not columns & set(row), f"{label} exports a secret column"
    values = [
        *Invite.objects.filter(workshop=busy).values_list("nonce", "token_hash"),
        *Member.objects.filter(workshop=busy, guest_key__isnull=False).values_list("guest_key", flat=True),
        *Connection.objects.filter(workshop=busy).values_list("session_hash", flat=True),
        *ChatRoom.objects.filter(workshop=busy).values_list("url_sealed", flat=True),
        *Endpoint.objects.filter(workshop=busy).values_list("secret_sealed", flat=True),
        *CalendarFeed.objects.filter(member__workshop=busy).values_list("token_hash", flat=True),
    ]
    flat = [value for value in values for value in (value if isinstance(value, tuple) else (value,))]
    assert len(flat) >= 5
    assert not [value for value in flat if value and value in text]


def test_the_export_has_every_other_column_as_stored_with_iso_times(busy):
    exported = export(busy.id)

    for model, _ in workshop_data.tables():
        label = model._meta.label_lower
        hidden = workshop_data.secret_columns().get(model, frozenset())
        columns = [field.attname for field in model._meta.concrete_fields if field.name not in hidden]
        for row in exported["tables"][label]:
            assert list(row) == columns, label
    (workshop,) = exported["tables"]["goals.workshop"]
    assert datetime.fromisoformat(workshop["created_at"]) == busy.created_at
    assert datetime.fromisoformat(workshop["agreed_at"]) == busy.agreed_at
    assert workshop["seq"] == busy.seq
    assert workshop["success_criteria"] == busy.success_criteria
    (version,) = exported["tables"]["planning.planversion"]
    assert version["content"]["version"] == 1
    (offer,) = exported["tables"]["planning.helpoffer"]
    assert offer["note"] == "I can pair on it", "how a helper can help is the workshop's data too"


@pytest.mark.django_db(transaction=True)
def test_two_exports_are_the_same_but_for_their_time(busy):
    """Outside a test's transaction, so that the export's own (REPEATABLE READ on PostgreSQL) runs."""
    first, second = export(busy.id), export(busy.id)
    for exported in (first, second):
        del exported["exported_at"]
    assert first == second


def test_the_export_goes_to_a_new_file_only_its_owner_reads(busy, tmp_path):
    path = tmp_path / "workshop.json"
    err = StringIO()
    call_command("export_workshop", "--output", str(path), "--", busy.id, stderr=err)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    written = json.loads(path.read_text(encoding="utf-8"))
    del written["exported_at"]
    expected = export(busy.id)
    del expected["exported_at"]
    assert written == expected
    assert f"to {path}" in err.getvalue()

    with pytest.raises(CommandError, match="exists"):
        call_command("export_workshop", "--output", str(path), "--", busy.id)
    assert json.loads(path.read_text(encoding="utf-8"))["workshop"] == busy.id


def test_exporting_an_unknown_or_deleted_workshop_is_a_clear_error(busy):
    delete(busy.id, "--yes")
    with pytest.raises(CommandError, match=f"There is no workshop '{busy.id}'"):
        export(busy.id)


def test_a_workshop_is_named_by_its_id_or_its_board_address(leader_user):
    """Ids are URL-safe base64: one in 64 begins with "-", which alone reads as an option."""
    Workshop.objects.create(id="-Ab3_x", title="A dash first", created_by=leader_user)
    for named in ("https://rallypoint.example.org/w/-Ab3_x/", "/w/-Ab3_x/mine/"):
        out = StringIO()
        call_command("export_workshop", named, stdout=out)
        assert json.loads(out.getvalue())["workshop"] == "-Ab3_x"
    with pytest.raises(CommandError, match="arguments are required"):
        call_command("export_workshop", "-Ab3_x")
    assert "Deleted workshop -Ab3_x (1 rows)" in delete("https://rallypoint.example.org/w/-Ab3_x/", "--yes")
    assert not Workshop.objects.filter(pk="-Ab3_x").exists()
