"""Walking the room through items (issue 12 point 3): the facilitator's current item, on every screen.

`walk.focus {"item": id | null}` is a facilitator's op in every phase; it sends
`walk.focused {"item": id | null}` and the snapshot's workshop carries `focus`. Deleting the
focused item and changing the phase end the walk with their own `walk.focused` null. The socket
tests show what each screen receives; the rest goes through `dispatch`, as a socket's op does.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from goals.models import Phase, Role, Workshop
from planning.snapshot import build_snapshot
from tests.planning import replay
from tests.planning.helpers import (
    add_item,
    board_state,
    events_since,
    json_round_trip,
    make_item,
    refuse,
    send,
    set_phase,
)
from tests.planning.ws import Ws, connect_all, quiet, run

VOLATILE = ("server_time", "online")


def focus_of(workshop: Workshop, viewer: Any) -> int | None:
    return build_snapshot(workshop.id, viewer.id)["workshop"]["focus"]


def named(outcome: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(event.name, event.data) for event in outcome.events]


def board(frame: dict[str, Any]) -> dict[str, Any]:
    """A snapshot frame as board state: without the server's clock and presence."""
    return {key: value for key, value in frame.items() if key not in VOLATILE}


def fresh(workshop: Workshop, viewer: Any) -> dict[str, Any]:
    return board(json_round_trip(build_snapshot(workshop.id, viewer.id)))


def replayed(snapshot: dict[str, Any], frames: list[dict[str, Any]], viewer: Any) -> dict[str, Any]:
    state = board(snapshot)
    for frame in frames:
        state = replay.apply(state, frame, viewer.id)
    return state


# Every screen follows: through the socket


@pytest.mark.django_db(transaction=True)
async def test_the_facilitators_current_item_reaches_every_screen(room, connect):
    first = await run(add_item, room.workshop, room.member, title="Onboarding email")
    second = await run(add_item, room.workshop, room.target, title="Welcome call")
    people = (room.facilitator, room.member, room.observer)
    sockets = await connect_all(connect, room.workshop, *people)
    snapshots = [ws.of_type("snapshot")[0] for ws in sockets]
    assert [snapshot["workshop"]["focus"] for snapshot in snapshots] == [None, None, None]
    facilitator = sockets[0]

    refs = [await facilitator.send("walk.focus", item=item) for item in (first, second)]
    acks = [await facilitator.reply(ref) for ref in refs]
    assert [ack["type"] for ack in acks] == ["ack", "ack"]
    for ws in sockets:
        await ws.caught_up(acks[-1]["seq"])
    assert await quiet(*sockets)

    for ws, person, snapshot in zip(sockets, people, snapshots, strict=True):
        events = ws.events()
        assert [(frame["name"], frame["data"], frame["actor"]) for frame in events] == [
            ("walk.focused", {"item": first}, room.facilitator.id),
            ("walk.focused", {"item": second}, room.facilitator.id),
        ]
        assert [frame["ref"] for frame in events] == refs
        # The client's reducer, from this screen's snapshot and events, is where a fresh snapshot is.
        assert replayed(snapshot, events, person) == await run(fresh, room.workshop, person)
    assert await run(focus_of, room.workshop, room.observer) == second


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", [Role.MEMBER, Role.OBSERVER])
async def test_a_member_or_an_observer_cannot_move_the_room(room, connect, who):
    item = await run(add_item, room.workshop, room.member)
    sender, watcher = await connect_all(connect, room.workshop, room.by_role[who], room.facilitator)
    before = await run(board_state, room.workshop)

    ref = await sender.send("walk.focus", item=item)
    reply = await sender.reply(ref)
    assert (reply["type"], reply["code"], reply["ref"]) == ("error", "forbidden", ref)
    assert await quiet(sender, watcher)
    assert await run(board_state, room.workshop) == before
    assert await run(focus_of, room.workshop, room.facilitator) is None


@pytest.mark.django_db(transaction=True)
async def test_deleting_the_focused_item_ends_the_walk_on_every_screen_first(room, connect):
    item = await run(add_item, room.workshop, room.member)
    await run(send, room.workshop, room.facilitator, "walk.focus", item=item)
    author, watcher = await connect_all(connect, room.workshop, room.member, room.observer)
    snapshots = [ws.of_type("snapshot")[0] for ws in (author, watcher)]
    assert [snapshot["workshop"]["focus"] for snapshot in snapshots] == [item, item]

    ref = await author.send("item.delete", item=item)
    ack = await author.reply(ref)
    assert ack["type"] == "ack"
    for ws, person, snapshot in zip((author, watcher), (room.member, room.observer), snapshots, strict=True):
        await ws.caught_up(ack["seq"])
        events = ws.events()
        # The walk ends before the item goes: no state in between points at a missing item.
        assert [(frame["name"], frame["data"]) for frame in events] == [
            ("walk.focused", {"item": None}),
            ("item.deleted", {"item": item}),
        ]
        assert replayed(snapshot, events, person) == await run(fresh, room.workshop, person)
    assert await run(focus_of, room.workshop, room.member) is None


@pytest.mark.django_db(transaction=True)
async def test_a_screen_that_reconnects_catches_up_on_the_walk(room, connect):
    first = await run(add_item, room.workshop, room.member)
    second = await run(add_item, room.workshop, room.member)
    (phone,) = await connect_all(connect, room.workshop, room.member)
    snapshot = phone.of_type("snapshot")[0]
    await phone.close()
    for item in (first, second, None, second):
        await run(send, room.workshop, room.facilitator, "walk.focus", item=item)

    back = await Ws.open(room.workshop.id, room.member, since=snapshot["seq"])
    try:
        (frame,) = await back.take(1, "replay")
        assert [event["data"] for event in frame["events"]] == [
            {"item": first},
            {"item": second},
            {"item": None},
            {"item": second},
        ]
        state = replayed(snapshot, frame["events"], room.member)
        assert state["workshop"]["focus"] == second
        assert state == await run(fresh, room.workshop, room.member)
    finally:
        await back.close()


# The op


def test_the_focus_is_shared_state_in_the_snapshot_of_everyone(room):
    item = add_item(room.workshop, room.member)
    outcome = send(room.workshop, room.leader, "walk.focus", item=item)
    assert named(outcome) == [("walk.focused", {"item": item})]
    assert Workshop.objects.get(pk=room.workshop.pk).focus_item_id == item
    for person in (room.leader, room.facilitator, room.member, room.observer):
        assert focus_of(room.workshop, person) == item


def test_null_ends_the_walk(room):
    send(room.workshop, room.facilitator, "walk.focus", item=add_item(room.workshop, room.member))
    outcome = send(room.workshop, room.facilitator, "walk.focus", item=None)
    assert named(outcome) == [("walk.focused", {"item": None})]
    assert focus_of(room.workshop, room.member) is None


def test_asking_for_the_focus_the_room_already_has_sends_nothing(room):
    """As every op that changes nothing: acked with the current seq, no event."""
    item = add_item(room.workshop, room.member)
    assert send(room.workshop, room.facilitator, "walk.focus", item=None).events == []
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    seq, logged = board_state(room.workshop)
    outcome = send(room.workshop, room.leader, "walk.focus", item=item)
    assert (outcome.events, outcome.seq) == ([], seq)
    assert board_state(room.workshop) == (seq, logged)


@pytest.mark.parametrize("phase", [Phase.GATHER, Phase.VOTE, Phase.PLAN, Phase.AGREED])
def test_a_facilitator_walks_the_room_in_every_phase(room, phase):
    """It changes nothing on the board: reading out the agreed plan item by item is a walk too."""
    item = make_item(room.workshop, room.member).id
    set_phase(room.workshop, phase)
    assert named(send(room.workshop, room.facilitator, "walk.focus", item=item)) == [("walk.focused", {"item": item})]
    assert named(send(room.workshop, room.leader, "walk.focus", item=None)) == [("walk.focused", {"item": None})]


@pytest.mark.parametrize("who", [Role.MEMBER, Role.OBSERVER])
def test_a_member_or_an_observer_is_forbidden_whatever_the_item(room, other_workshop, who):
    """The role is checked first: a refusal says nothing about which ids exist."""
    mine = add_item(room.workshop, room.member)
    theirs = make_item(other_workshop, other_workshop.members.get(role=Role.LEADER)).id
    for item in (mine, None, theirs, 10**12):
        refuse(room.workshop, room.by_role[who], "walk.focus", "forbidden", item=item)


def test_an_item_of_another_workshop_or_none_at_all_is_not_found(room, other_workshop):
    theirs = make_item(other_workshop, other_workshop.members.get(role=Role.LEADER)).id
    for item in (theirs, 10**12, 0, -1, 2**70):
        error = refuse(room.workshop, room.facilitator, "walk.focus", "not_found", item=item)
        assert error.detail == {"item": item}


def test_a_deleted_item_is_not_found(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.delete", item=item)
    refuse(room.workshop, room.facilitator, "walk.focus", "not_found", item=item)


@pytest.mark.parametrize("item", ["1", True, 1.5, [1], {"id": 1}])
def test_an_item_that_is_no_id_nor_null_is_a_bad_request(room, item):
    add_item(room.workshop, room.member)
    error = refuse(room.workshop, room.facilitator, "walk.focus", "bad_request", item=item)
    assert error.detail["field"] == "item"


def test_the_item_field_is_required(room):
    error = refuse(room.workshop, room.facilitator, "walk.focus", "bad_request")
    assert error.detail["field"] == "item"


# What ends a walk


def test_deleting_the_focused_item_ends_the_walk_in_the_same_op(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    outcome = send(room.workshop, room.member, "item.delete", item=item)
    assert named(outcome) == [("walk.focused", {"item": None}), ("item.deleted", {"item": item})]
    assert [event.seq for event in outcome.events] == [outcome.seq - 1, outcome.seq]
    assert focus_of(room.workshop, room.member) is None


def test_deleting_another_item_keeps_the_walk(room):
    focused, other = add_item(room.workshop, room.member), add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=focused)
    assert named(send(room.workshop, room.member, "item.delete", item=other)) == [("item.deleted", {"item": other})]
    assert focus_of(room.workshop, room.member) == focused


def test_a_refused_delete_of_the_focused_item_keeps_the_walk(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    refuse(room.workshop, room.target, "item.delete", "forbidden", item=item)  # not the author
    assert focus_of(room.workshop, room.member) == item


@pytest.mark.parametrize(
    ("start", "to"),
    [(Phase.GATHER, Phase.VOTE), (Phase.PLAN, Phase.GATHER), (Phase.AGREED, Phase.PLAN)],
)
def test_a_phase_change_ends_the_walk_after_the_phase_changed(room, start, to):
    item = make_item(room.workshop, room.member).id
    set_phase(room.workshop, start)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    before = events_since(room.workshop, 0)[-1].seq
    outcome = send(room.workshop, room.facilitator, "phase.set", phase=to)
    assert [name for name, _ in named(outcome)] == ["phase.changed", "walk.focused"]
    assert outcome.events[-1].data == {"item": None}
    assert outcome.seq == before + 2
    assert focus_of(room.workshop, room.member) is None


def test_leaving_vote_reveals_the_tallies_then_ends_the_walk(room):
    item = make_item(room.workshop, room.member).id
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.member, "vote.cast", item=item)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase=Phase.PLAN)
    assert named(outcome) == [
        ("phase.changed", {"phase": "plan"}),
        ("votes.revealed", {"votes": {str(item): 1}}),
        ("walk.focused", {"item": None}),
    ]


def test_a_phase_change_without_a_walk_sends_no_walk_event(room):
    outcome = send(room.workshop, room.facilitator, "phase.set", phase=Phase.VOTE)
    assert [event.name for event in outcome.events] == ["phase.changed"]


def test_asking_for_the_phase_the_room_is_in_keeps_the_walk(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    assert send(room.workshop, room.facilitator, "phase.set", phase=Phase.GATHER).events == []
    assert focus_of(room.workshop, room.member) == item


def test_a_refused_agreement_keeps_the_walk(room):
    """`unowned_items` rolls the whole op back, the walk's end included."""
    item = make_item(room.workshop, room.member).id
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    refuse(room.workshop, room.facilitator, "phase.set", "unowned_items", phase=Phase.AGREED)
    assert focus_of(room.workshop, room.member) == item


def test_editing_the_goal_keeps_the_walk(room):
    """goal.edited carries the whole workshop object, the focus in it."""
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    outcome = send(room.workshop, room.leader, "goal.edit", why="So that we read the plan out together.")
    assert outcome.events[0].data["workshop"]["focus"] == item


# Not part of the plan


def test_the_walk_is_no_part_of_the_plan_or_its_exports(room):
    """Focusing an item in the agreed plan (reading it out) changes no export of it."""
    item = make_item(room.workshop, room.member).id
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    send(room.workshop, room.member, "item.claim", item=item)
    send(room.workshop, room.facilitator, "phase.set", phase=Phase.AGREED)
    browser = Client()
    browser.force_login(room.leader.user)
    urls = [f"/w/{room.workshop.id}/export/plan.{extension}?version=1" for extension in ("md", "csv")]
    before = [browser.get(url) for url in urls]
    assert [response.status_code for response in before] == [200, 200]

    send(room.workshop, room.facilitator, "walk.focus", item=item)
    after = [browser.get(url) for url in urls]
    assert [response.content for response in after] == [response.content for response in before]
