"""After the agreement (protocol §7): progress, offers of help and check-ins, through the socket.

Each test arranges an agreed plan through the ops, connects the people it is about, and speaks
frames: an op is acked to its sender and its events reach everyone in seq order; a refused op is
answered with its error and changes nothing (a fresh snapshot is the same before and after, seq
included, and nobody receives anything). What the protocol leaves open is decided in
docs/decisions.md ("After the agreement: rules the contract leaves open").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from core import limits
from goals.models import Phase, Role
from planning.models import HelpOffer, Item
from planning.snapshot import build_snapshot
from tests.planning import replay
from tests.planning.helpers import add_item, agree, json_round_trip, send, set_phase
from tests.planning.shapes import CHECKIN_KEYS, COUNT_KEYS, PROGRESS_KEYS
from tests.planning.ws import Ws, connect_all, quiet, run

pytestmark = pytest.mark.django_db(transaction=True)


def state(workshop, viewer) -> dict[str, Any]:
    """A fresh snapshot as board state: without the server's clock and presence."""
    snapshot = json_round_trip(build_snapshot(workshop.id, viewer.id))
    del snapshot["server_time"], snapshot["online"]
    return snapshot


def item_in(snapshot: dict[str, Any], item_id: int) -> dict[str, Any]:
    return next(item for item in snapshot["items"] if item["id"] == item_id)


def agreed_board(room) -> tuple[int, int, int]:
    """An agreed plan: `mine` owned by the member, `theirs` by the target, `untaken` left proposed."""
    mine = add_item(room.workshop, room.member, title="Write the welcome email")
    theirs = add_item(room.workshop, room.target, title="Record the demo")
    untaken = add_item(room.workshop, room.member, title="Maybe later")
    agree(room.workshop, room.facilitator, {mine: room.member, theirs: room.target})
    return mine, theirs, untaken


async def applied(sender: Ws, watchers: list[Ws], op: str, names: list[str], **fields: Any) -> list[dict[str, Any]]:
    """Send `op`; every socket gets exactly the events `names` in seq order, the sender its ack
    with the last one's seq. Returns the events' data."""
    ref = await sender.send(op, **fields)
    got = []
    for ws in (sender, *watchers):
        events = await ws.take(len(names), "event", "error")
        assert [(frame["type"], frame["name"]) for frame in events] == [("event", name) for name in names], events
        assert all(frame["ref"] == ref for frame in events)
        got.append(events)
    assert all(events == got[0] for events in got), "not everyone got the same events"
    assert await sender.reply(ref) == {"type": "ack", "ref": ref, "seq": got[0][-1]["seq"]}
    assert await quiet(sender, *watchers)
    return [frame["data"] for frame in got[0]]


async def unchanged(sender: Ws, watchers: list[Ws], op: str, **fields: Any) -> dict[str, Any]:
    """Send `op` that changes nothing, refused or not: returns the sender's reply; nobody gets an event."""
    ref = await sender.send(op, **fields)
    reply = await sender.reply(ref)
    assert await quiet(sender, *watchers)
    assert not [frame for ws in (sender, *watchers) for frame in ws.events() if frame["ref"] == ref]
    return reply


async def refused(room, sender: Ws, watchers: list[Ws], op: str, code: str, field: str | None = None, **fields):
    viewer = room.observer
    before = await run(state, room.workshop, viewer)
    reply = await unchanged(sender, watchers, op, **fields)
    assert (reply["type"], reply["code"]) == ("error", code), reply
    if field is not None:
        assert reply["detail"]["field"] == field, reply
    assert await run(state, room.workshop, viewer) == before, "a refused op changed the board"
    return reply


# item.progress


async def test_an_owner_reports_progress_and_everyone_sees_it_live(room, connect):
    mine, _, _ = await run(agreed_board, room)
    owner, other, watcher = await connect_all(connect, room.workshop, room.member, room.target, room.observer)
    (data,) = await applied(
        owner,
        [other, watcher],
        "item.progress",
        ["item.progress"],
        item=mine,
        state="at_risk",
        note="  Legal is slow  ",
    )
    progress = data["progress"]
    assert set(progress) == PROGRESS_KEYS
    assert data == {
        "item": mine,
        "progress": {"state": "at_risk", "note": "Legal is slow", "by": room.member.id, "at": progress["at"]},
    }
    assert datetime.fromisoformat(progress["at"]).tzinfo is not None
    for viewer in (room.member, room.observer):
        assert item_in(await run(state, room.workshop, viewer), mine)["progress"] == progress

    # Reported again unchanged, and without a note: a new report (its time) and no note.
    (again,) = await applied(owner, [other, watcher], "item.progress", ["item.progress"], item=mine, state="at_risk")
    assert again["progress"]["note"] == ""
    assert again["progress"]["at"] >= progress["at"]
    assert item_in(await run(state, room.workshop, room.observer), mine)["progress"] == again["progress"]


async def test_a_facilitator_reports_on_any_accepted_item(room, connect):
    _, theirs, _ = await run(agreed_board, room)
    facilitator, leader, owner = await connect_all(connect, room.workshop, room.facilitator, room.leader, room.target)
    (data,) = await applied(
        facilitator, [leader, owner], "item.progress", ["item.progress"], item=theirs, state="blocked"
    )
    assert data["progress"]["by"] == room.facilitator.id
    (data,) = await applied(
        leader, [facilitator, owner], "item.progress", ["item.progress"], item=theirs, state="done", note="Shipped"
    )
    assert (data["progress"]["by"], data["progress"]["state"], data["progress"]["note"]) == (
        room.leader.id,
        "done",
        "Shipped",
    )


async def test_a_note_of_500_characters_is_fine(room, connect):
    mine, _, _ = await run(agreed_board, room)
    (owner,) = await connect_all(connect, room.workshop, room.member)
    note = "n" * limits.PROGRESS_NOTE_MAX
    (data,) = await applied(owner, [], "item.progress", ["item.progress"], item=mine, state="on_track", note=note)
    assert data["progress"]["note"] == note


# Who sends it, which item and which values: (sender, item, fields, code, detail.field).
PROGRESS_REFUSALS = {
    "a member who does not own the item": ("target", "mine", {"state": "on_track"}, "forbidden", None),
    "an observer": ("observer", "mine", {"state": "on_track"}, "forbidden", None),
    "a state that is none of the four": ("member", "mine", {"state": "finished"}, "invalid", "state"),
    "a state in capitals": ("member", "mine", {"state": "ON_TRACK"}, "invalid", "state"),
    "no progress as a state": ("member", "mine", {"state": "none"}, "invalid", "state"),
    "a note of 501 characters": ("member", "mine", {"state": "on_track", "note": "n" * 501}, "invalid", "note"),
    "an item that is not accepted": ("member", "untaken", {"state": "on_track"}, "invalid", "item"),
    "an item that is not accepted, by a facilitator": ("facilitator", "untaken", {"state": "done"}, "invalid", "item"),
    "an unknown item": ("facilitator", 10**9, {"state": "on_track"}, "not_found", None),
    "a state that is not a string": ("member", "mine", {"state": 1}, "bad_request", "state"),
}


@pytest.mark.parametrize("case", sorted(PROGRESS_REFUSALS))
async def test_progress_is_refused(room, connect, case):
    who, item, fields, code, field = PROGRESS_REFUSALS[case]
    mine, _, untaken = await run(agreed_board, room)
    item_id = {"mine": mine, "untaken": untaken}.get(item, item)
    sender = getattr(room, who)
    watchers = [person for person in (room.member, room.observer) if person != sender]
    sender_ws, *others = await connect_all(connect, room.workshop, sender, *watchers)
    await refused(room, sender_ws, others, "item.progress", code, field, item=item_id, **fields)


AFTER_AGREEMENT_OPS = {
    "item.progress": ("member", {"state": "on_track"}),
    "item.help": ("target", {"offer": True}),
    "checkin.record": ("facilitator", {}),
}


@pytest.mark.parametrize("phase", [Phase.GATHER, Phase.VOTE, Phase.PLAN])
@pytest.mark.parametrize("op", sorted(AFTER_AGREEMENT_OPS))
async def test_the_ops_after_the_agreement_are_refused_in_every_other_phase(room, connect, op, phase):
    mine, _, _ = await run(agreed_board, room)
    await run(set_phase, room.workshop, phase)
    who, fields = AFTER_AGREEMENT_OPS[op]
    if op != "checkin.record":
        fields = {"item": mine, **fields}
    sender, watcher = await connect_all(connect, room.workshop, getattr(room, who), room.observer)
    await refused(room, sender, [watcher], op, "phase", **fields)


# item.help


async def test_help_is_offered_and_withdrawn_in_offer_order_and_only_changes_send_events(room, connect):
    _, theirs, _ = await run(agreed_board, room)
    member, leader, owner = await connect_all(connect, room.workshop, room.member, room.leader, room.target)
    everyone = [member, leader, owner]

    async def helps(ws: Ws, offer: bool, helpers: list[int] | None) -> None:
        others = [each for each in everyone if each is not ws]
        if helpers is None:  # nothing changes: acked, and no event
            seq = await run(lambda: state(room.workshop, room.observer)["seq"])
            reply = await unchanged(ws, others, "item.help", item=theirs, offer=offer)
            assert reply == {"type": "ack", "ref": reply["ref"], "seq": seq}
            return
        (data,) = await applied(ws, others, "item.help", ["item.helpers"], item=theirs, offer=offer)
        assert data == {"item": theirs, "helpers": helpers, "help_notes": {}}
        assert item_in(await run(state, room.workshop, room.observer), theirs)["helpers"] == helpers

    await helps(member, True, [room.member.id])
    await helps(leader, True, [room.member.id, room.leader.id])
    await helps(member, True, None)
    await helps(member, False, [room.leader.id])
    await helps(member, False, None)
    await helps(member, True, [room.leader.id, room.member.id])  # a new offer goes to the end
    await helps(owner, True, [room.leader.id, room.member.id, room.target.id])  # an owner may offer too
    await helps(leader, False, [room.member.id, room.target.id])


async def test_an_offer_says_how_they_can_help_and_only_a_new_note_sends_an_event(room, connect):
    _, theirs, _ = await run(agreed_board, room)
    member, leader, owner = await connect_all(connect, room.workshop, room.member, room.leader, room.target)
    everyone = [member, leader, owner]
    me, lead = str(room.member.id), str(room.leader.id)

    async def helps(ws: Ws, helpers: list[int] | None, notes: dict[str, str] | None, **fields: Any) -> None:
        others = [each for each in everyone if each is not ws]
        if helpers is None:  # nothing changes: acked, and no event
            reply = await unchanged(ws, others, "item.help", item=theirs, **fields)
            assert reply["type"] == "ack", reply
            return
        (data,) = await applied(ws, others, "item.help", ["item.helpers"], item=theirs, **fields)
        assert data == {"item": theirs, "helpers": helpers, "help_notes": notes}
        snapshot = item_in(await run(state, room.workshop, room.observer), theirs)
        assert (snapshot["helpers"], snapshot["help_notes"]) == (helpers, notes)

    await helps(member, [room.member.id], {me: "I can proofread"}, offer=True, note="  I can proofread  ")
    assert await run(lambda: HelpOffer.objects.get(member=room.member).note) == "I can proofread"
    await helps(leader, [room.member.id, room.leader.id], {me: "I can proofread"}, offer=True)  # no note
    await helps(member, None, None, offer=True, note="I can proofread")  # the same note: nothing changes
    # Another note replaces it; the offer keeps its place.
    await helps(
        member, [room.member.id, room.leader.id], {me: "Proofread and test"}, offer=True, note="Proofread and test"
    )
    long_note = "n" * limits.HELP_NOTE_MAX
    await helps(
        leader,
        [room.member.id, room.leader.id],
        {me: "Proofread and test", lead: long_note},
        offer=True,
        note=long_note,
    )
    # A note that is too long is refused, and the note before it stays.
    reply = await refused(
        room, member, [leader, owner], "item.help", "invalid", "note", item=theirs, offer=True, note="n" * 281
    )
    assert reply["detail"]["field"] == "note"
    # Offering again without a note takes the note back; withdrawing drops the offer and its note.
    await helps(member, [room.member.id, room.leader.id], {lead: long_note}, offer=True, note="")
    await helps(
        member, [room.member.id, room.leader.id], {me: "Back again", lead: long_note}, offer=True, note="Back again"
    )
    await helps(member, [room.leader.id], {lead: long_note}, offer=False)
    assert not await run(HelpOffer.objects.filter(member=room.member).exists)
    await helps(member, [room.leader.id, room.member.id], {lead: long_note}, offer=True)  # a new offer has no old note


HELP_REFUSALS = {
    "an observer": ("observer", "theirs", {"offer": True}, "forbidden", None),
    "an observer, with a note": ("observer", "theirs", {"offer": True, "note": "I watch"}, "forbidden", None),
    "a note of 281 characters": ("member", "theirs", {"offer": True, "note": "n" * 281}, "invalid", "note"),
    "a note that is not text": ("member", "theirs", {"offer": True, "note": 5}, "bad_request", "note"),
    "a null note": ("member", "theirs", {"offer": True, "note": None}, "bad_request", "note"),
    "a note on an item that is not accepted": ("member", "untaken", {"offer": True, "note": "Hi"}, "invalid", "item"),
    "an item that is not accepted": ("member", "untaken", {"offer": True}, "invalid", "item"),
    "withdrawing from an item that is not accepted": ("member", "untaken", {"offer": False}, "invalid", "item"),
    "an unknown item": ("member", 10**9, {"offer": True}, "not_found", None),
    "an offer that is not a boolean": ("member", "theirs", {"offer": "yes"}, "bad_request", "offer"),
}


@pytest.mark.parametrize("case", sorted(HELP_REFUSALS))
async def test_help_is_refused(room, connect, case):
    who, item, fields, code, field = HELP_REFUSALS[case]
    _, theirs, untaken = await run(agreed_board, room)
    item_id = {"theirs": theirs, "untaken": untaken}.get(item, item)
    sender, watcher = await connect_all(connect, room.workshop, getattr(room, who), room.facilitator)
    await refused(room, sender, [watcher], "item.help", code, field, item=item_id, **fields)


# checkin.record


async def test_a_check_in_counts_every_accepted_items_state_and_numbers_follow(room, connect):
    mine, theirs, _ = await run(agreed_board, room)
    facilitator, member, watcher = await connect_all(
        connect, room.workshop, room.facilitator, room.member, room.observer
    )
    (first,) = await applied(facilitator, [member, watcher], "checkin.record", ["checkin.recorded"])
    checkin = first["checkin"]
    assert set(checkin) == CHECKIN_KEYS
    assert set(checkin["counts"]) == COUNT_KEYS
    assert checkin == {
        "number": 1,
        "at": checkin["at"],
        "by": room.facilitator.id,
        "note": "",
        "counts": {"on_track": 0, "at_risk": 0, "blocked": 0, "done": 0, "none": 2},
    }
    await applied(member, [facilitator, watcher], "item.progress", ["item.progress"], item=mine, state="blocked")
    (second,) = await applied(facilitator, [member, watcher], "checkin.record", ["checkin.recorded"], note="Legal")
    assert (second["checkin"]["number"], second["checkin"]["note"]) == (2, "Legal")
    assert second["checkin"]["counts"] == {"on_track": 0, "at_risk": 0, "blocked": 1, "done": 0, "none": 1}
    await run(send, room.workshop, room.target, "item.progress", item=theirs, state="done")
    await run(send, room.workshop, room.member, "item.progress", item=mine, state="done")
    await facilitator.take(2, "event")
    note = "n" * limits.CHECKIN_NOTE_MAX
    (third,) = await applied(facilitator, [], "checkin.record", ["checkin.recorded"], note=note)
    assert third["checkin"]["number"] == 3
    assert third["checkin"]["note"] == note
    assert third["checkin"]["counts"] == {"on_track": 0, "at_risk": 0, "blocked": 0, "done": 2, "none": 0}
    snapshot = await run(state, room.workshop, room.observer)
    assert snapshot["workshop"]["checkins"] == [first["checkin"], second["checkin"], third["checkin"]]


CHECKIN_REFUSALS = {
    "a member": ("member", {}, "forbidden", None),
    "an observer": ("observer", {"note": "Hi"}, "forbidden", None),
    "a note of 2001 characters": ("facilitator", {"note": "n" * 2001}, "invalid", "note"),
    "a note that is not text": ("leader", {"note": None}, "bad_request", "note"),
}


@pytest.mark.parametrize("case", sorted(CHECKIN_REFUSALS))
async def test_a_check_in_is_refused(room, connect, case):
    who, fields, code, field = CHECKIN_REFUSALS[case]
    await run(agreed_board, room)
    sender, watcher = await connect_all(connect, room.workshop, getattr(room, who), room.target)
    await refused(room, sender, [watcher], "checkin.record", code, field, **fields)


# Across a reopen, and items leaving the plan


def reported(room, mine: int, theirs: int) -> None:
    """Progress on both items, help on both, and a check-in."""
    send(room.workshop, room.member, "item.progress", item=mine, state="on_track", note="Drafted")
    send(room.workshop, room.target, "item.progress", item=theirs, state="blocked", note="No camera")
    send(room.workshop, room.leader, "item.help", item=theirs, offer=True, note="I can lend a camera")
    send(room.workshop, room.member, "item.help", item=theirs, offer=True)
    send(room.workshop, room.target, "item.help", item=mine, offer=True)
    send(room.workshop, room.facilitator, "checkin.record", note="Week one")


async def test_a_reopen_and_the_next_agreement_keep_the_thread_of_items_that_stay_accepted(room, connect):
    mine, theirs, _ = await run(agreed_board, room)
    await run(reported, room, mine, theirs)
    kept = await run(state, room.workshop, room.observer)
    facilitator, watcher = await connect_all(connect, room.workshop, room.facilitator, room.observer)
    await applied(facilitator, [watcher], "phase.set", ["phase.changed"], phase="plan")
    reopened = await run(state, room.workshop, room.observer)
    for item_id in (mine, theirs):
        assert item_in(reopened, item_id)["progress"] == item_in(kept, item_id)["progress"] is not None
        assert item_in(reopened, item_id)["helpers"] == item_in(kept, item_id)["helpers"] != []
    assert reopened["workshop"]["checkins"] == kept["workshop"]["checkins"] != []

    await applied(facilitator, [watcher], "phase.set", ["phase.changed"], phase="agreed")
    version_2 = await run(state, room.workshop, room.observer)
    assert version_2["workshop"]["plan_version"] == 2
    assert [item_in(version_2, item_id) | {"version": 0} for item_id in (mine, theirs)] == [
        item_in(kept, item_id) | {"version": 0} for item_id in (mine, theirs)
    ]
    assert version_2["workshop"]["checkins"] == kept["workshop"]["checkins"]
    (checkin,) = await applied(facilitator, [watcher], "checkin.record", ["checkin.recorded"])
    assert checkin["checkin"]["number"] == 2, "check-in numbers run on across versions"


# What the item had when it left the plan: the events that clear it, after item.status.
LEAVING = {
    "progress and helpers": ["item.status", "item.progress", "item.helpers"],
    "progress only": ["item.status", "item.progress"],
    "helpers only": ["item.status", "item.helpers"],
    "neither": ["item.status"],
}


@pytest.mark.parametrize("had", sorted(LEAVING))
@pytest.mark.parametrize("status", ["dropped", "proposed"])
async def test_an_item_leaving_the_plan_drops_its_progress_and_helpers_with_events(room, connect, status, had):
    mine, theirs, _ = await run(agreed_board, room)
    if "progress" in had:
        await run(send, room.workshop, room.target, "item.progress", item=theirs, state="at_risk")
    if "helpers" in had:
        await run(send, room.workshop, room.member, "item.help", item=theirs, offer=True, note="I have a camera")
    await run(send, room.workshop, room.member, "item.progress", item=mine, state="done")
    await run(send, room.workshop, room.member, "item.help", item=mine, offer=True)
    await run(send, room.workshop, room.facilitator, "phase.set", phase="plan")
    stale = await run(state, room.workshop, room.member)
    facilitator, member = await connect_all(connect, room.workshop, room.facilitator, room.member)
    data = await applied(facilitator, [member], "item.status", LEAVING[had], item=theirs, status=status)
    assert data[0] == {"item": theirs, "status": status}
    assert data[1:] == [
        {"item": theirs, "progress": None}
        if name == "item.progress"
        else {"item": theirs, "helpers": [], "help_notes": {}}
        for name in LEAVING[had][1:]
    ]
    fresh = await run(state, room.workshop, room.member)
    assert (item_in(fresh, theirs)["progress"], item_in(fresh, theirs)["helpers"]) == (None, [])
    assert item_in(fresh, theirs)["help_notes"] == {}
    assert not await run(HelpOffer.objects.filter(item_id=theirs).exists)
    assert item_in(fresh, mine) == item_in(stale, mine), "the other item keeps its thread"
    replayed = stale
    for frame in member.events():
        replayed = replay.apply(replayed, frame, room.member.id)
    assert replayed == fresh

    # Back in the plan, it starts afresh; agreed again, it can be reported on again.
    await applied(facilitator, [member], "item.status", ["item.status"], item=theirs, status="accepted")
    assert item_in(await run(state, room.workshop, room.member), theirs)["progress"] is None


@pytest.mark.parametrize("how", ["removed", "made an observer"])
async def test_a_member_who_leaves_or_only_watches_no_longer_offers_help(room, connect, how):
    mine, theirs, _ = await run(agreed_board, room)
    await run(send, room.workshop, room.facilitator, "phase.set", phase="plan")
    third = await run(add_item, room.workshop, room.member, None, "Third")
    await run(agree, room.workshop, room.facilitator, {third: room.member})
    await run(send, room.workshop, room.target, "item.progress", item=theirs, state="blocked")
    await run(send, room.workshop, room.leader, "item.help", item=mine, offer=True)
    for item_id in (mine, third):
        await run(send, room.workshop, room.target, "item.help", item=item_id, offer=True, note="Leaving soon")
    await run(send, room.workshop, room.member, "item.help", item=mine, offer=True, note="Proofreading")
    stale = await run(state, room.workshop, room.member)
    leader, member = await connect_all(connect, room.workshop, room.leader, room.member)
    if how == "removed":
        op, fields, last = "member.remove", {"member": room.target.id}, "member.removed"
    else:
        op, fields, last = "member.role", {"member": room.target.id, "role": Role.OBSERVER}, "member.changed"
    names = ["item.owners", "item.helpers", "item.helpers", last]
    data = await applied(leader, [member], op, names, **fields)
    assert data[:3] == [
        {"item": theirs, "owners": []},
        {
            "item": mine,
            "helpers": [room.leader.id, room.member.id],
            "help_notes": {str(room.member.id): "Proofreading"},
        },
        {"item": third, "helpers": [], "help_notes": {}},
    ]
    assert not await run(HelpOffer.objects.filter(member=room.target).exists)
    fresh = await run(state, room.workshop, room.member)
    # What they reported stays theirs, even once they are gone.
    assert item_in(fresh, theirs)["progress"]["by"] == room.target.id
    replayed = stale
    for frame in member.events():
        replayed = replay.apply(replayed, frame, room.member.id)
    assert replayed == fresh


async def test_an_item_with_helpers_and_progress_can_be_deleted_in_the_plan(room, connect):
    mine, theirs, _ = await run(agreed_board, room)
    await run(reported, room, mine, theirs)
    await run(send, room.workshop, room.facilitator, "phase.set", phase="plan")
    author, watcher = await connect_all(connect, room.workshop, room.member, room.observer)
    await applied(author, [watcher], "item.delete", ["item.deleted"], item=mine)
    assert not await run(HelpOffer.objects.filter(item_id=mine).exists)
    fresh = await run(state, room.workshop, room.observer)
    assert mine not in [item["id"] for item in fresh["items"]]
    assert item_in(fresh, theirs)["helpers"] == [room.leader.id, room.member.id]


# Refs, and nothing lost


@pytest.mark.parametrize("op", sorted(AFTER_AGREEMENT_OPS))
async def test_a_resent_ref_is_acked_again_and_not_applied_twice(room, connect, op):
    mine, _, _ = await run(agreed_board, room)
    who, fields = AFTER_AGREEMENT_OPS[op]
    if op != "checkin.record":
        fields = {"item": mine, **fields}  # the member's item: the target helps with it
    sender, watcher = await connect_all(connect, room.workshop, getattr(room, who), room.observer)
    ref = await sender.send(op, ref="once", **fields)
    first = await sender.reply(ref)
    assert first["type"] == "ack"
    for ws in (sender, watcher):  # the sender's own events may come after its ack
        await ws.caught_up(first["seq"])
    if op == "item.help":  # withdrawn, so that applying the offer again would show
        await applied(sender, [watcher], "item.help", ["item.helpers"], item=mine, offer=False)
    before = await run(state, room.workshop, room.observer)
    sender.frames.clear()
    watcher.frames.clear()
    again = await unchanged(sender, [watcher], op, ref="once", **fields)
    assert again == first
    assert await run(state, room.workshop, room.observer) == before


async def test_a_client_that_was_away_catches_up_on_everything_acked(room, connect):
    """A socket that reconnects with `since` gets every event of the ops acked meanwhile, and its
    board then equals a fresh snapshot."""
    mine, theirs, _ = await run(agreed_board, room)
    (away,) = await connect_all(connect, room.workshop, room.member)
    stale = away.frames[0]
    await away.close()
    owner, facilitator = await connect_all(connect, room.workshop, room.target, room.facilitator)
    acked = []
    for ws, op, fields in [
        (owner, "item.progress", {"item": theirs, "state": "at_risk", "note": "Camera late"}),
        (owner, "item.help", {"item": mine, "offer": True}),
        (facilitator, "item.progress", {"item": mine, "state": "on_track"}),
        (facilitator, "checkin.record", {"note": "Week two"}),
        (owner, "item.help", {"item": mine, "offer": False}),
        (owner, "item.help", {"item": mine, "offer": True}),
    ]:
        reply = await ws.reply(await ws.send(op, **fields))
        assert reply["type"] == "ack"
        acked.append(reply["seq"])
    back = await connect(room.workshop, room.member, since=stale["seq"])
    frame = await back.recv()
    assert frame["type"] == "replay"
    assert [event["seq"] for event in frame["events"]] == list(range(stale["seq"] + 1, acked[-1] + 1))
    board = {key: value for key, value in stale.items() if key not in ("server_time", "online")}
    for event in frame["events"]:
        board = replay.apply(board, event, room.member.id)
    assert board == await run(state, room.workshop, room.member)


def test_a_reports_time_is_stored_as_the_orm_stores_times(room):
    """So that the ORM finds it by its time: SQLite compares stored times as text, and a report
    once stored its time with an offset no other time has (it was not found by `=` there)."""
    mine, _, _ = agreed_board(room)
    reported = send(room.workshop, room.member, "item.progress", item=mine, state="done")
    at = datetime.fromisoformat(reported.events[0].data["progress"]["at"])
    assert list(Item.objects.filter(progress_at=at).values_list("id", flat=True)) == [mine]
    assert Item.objects.filter(progress_at__lte=at, progress_at__gte=at).count() == 1
