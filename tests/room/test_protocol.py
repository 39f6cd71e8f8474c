"""`dispatch`: the envelope of every op, and who may do what in which phase (protocol §1, §2, §4)."""

from __future__ import annotations

import pytest

from goals.models import Phase, Role
from planning.models import ConfidenceCheck, Item
from room import protocol
from tests.planning.helpers import arrange_op, board_state, make_item, new_ref, refuse, refuse_frame, send, set_phase

LEADER, FACILITATOR, MEMBER, OBSERVER = Role.LEADER, Role.FACILITATOR, Role.MEMBER, Role.OBSERVER
GATHER, VOTE, PLAN, AGREED = Phase.GATHER, Phase.VOTE, Phase.PLAN, Phase.AGREED

ALL_PHASES = frozenset(Phase.values)
OPEN_BOARD = frozenset({GATHER, VOTE, PLAN})  # in `agreed` nothing on the board changes
EDITING = frozenset({GATHER, PLAN})
PARTICIPANTS = frozenset({LEADER, FACILITATOR, MEMBER})  # "member" in the op table: anyone but an observer
FACILITATORS = frozenset({LEADER, FACILITATOR})
LEADER_ONLY = frozenset({LEADER})
EVERYONE = frozenset({LEADER, FACILITATOR, MEMBER, OBSERVER})  # what is about oneself: one's name

# op -> (roles allowed, phases allowed, the event it sends). Protocol §2's phase table binds everyone;
# facilitators' operations work in every phase but `agreed`. Where the protocol is silent, the
# decisions in docs/decisions.md: the timer, the walk, the ready signal, roles and removal are about the room,
# not the plan, and still work in `agreed`; the goal, lanes and confidence check are frozen there.
RULES = {
    "item.add": (PARTICIPANTS, EDITING, "item.added"),
    "item.edit": (PARTICIPANTS, EDITING, "item.edited"),
    "item.move": (PARTICIPANTS, EDITING, "item.moved"),
    "item.delete": (PARTICIPANTS, EDITING, "item.deleted"),
    "item.status": (FACILITATORS, frozenset({PLAN}), "item.status"),
    "vote.cast": (PARTICIPANTS, frozenset({VOTE}), "vote.changed"),
    "vote.retract": (PARTICIPANTS, frozenset({VOTE}), "vote.changed"),
    "item.claim": (PARTICIPANTS, OPEN_BOARD, "item.owners"),
    "item.unclaim": (PARTICIPANTS, OPEN_BOARD, "item.owners"),
    "item.assign": (FACILITATORS, OPEN_BOARD, "item.owners"),
    "item.unassign": (FACILITATORS, OPEN_BOARD, "item.owners"),
    "lane.add": (FACILITATORS, OPEN_BOARD, "lane.added"),
    "lane.rename": (FACILITATORS, OPEN_BOARD, "lane.renamed"),
    "lane.move": (FACILITATORS, OPEN_BOARD, "lane.moved"),
    "lane.delete": (FACILITATORS, OPEN_BOARD, "lane.deleted"),
    "phase.set": (FACILITATORS, ALL_PHASES, "phase.changed"),
    "goal.edit": (LEADER_ONLY, OPEN_BOARD, "goal.edited"),
    "timer.start": (FACILITATORS, ALL_PHASES, "timer.changed"),
    "timer.stop": (FACILITATORS, ALL_PHASES, "timer.changed"),
    "walk.focus": (FACILITATORS, ALL_PHASES, "walk.focused"),
    # §8: the agenda runs the room, like the timer; a step still moves the phase only as phase.set may.
    "agenda.set": (FACILITATORS, ALL_PHASES, "agenda.changed"),
    "agenda.step": (FACILITATORS, ALL_PHASES, "agenda.stepped"),
    "confidence.open": (FACILITATORS, frozenset({PLAN}), "confidence.changed"),
    "confidence.answer": (PARTICIPANTS, frozenset({PLAN}), "confidence.changed"),
    "confidence.close": (FACILITATORS, OPEN_BOARD, "confidence.changed"),
    # §7: after the agreement. item.progress is also the item's owners' alone among members
    # (test_authorization.py): the arranged item is owned by the member who plays MEMBER here.
    "item.progress": (PARTICIPANTS, frozenset({AGREED}), "item.progress"),
    "item.help": (PARTICIPANTS, frozenset({AGREED}), "item.helpers"),
    "checkin.record": (FACILITATORS, frozenset({AGREED}), "checkin.recorded"),
    "member.ready": (PARTICIPANTS, ALL_PHASES, "member.ready"),
    "member.rename": (EVERYONE, ALL_PHASES, "member.changed"),
    "member.role": (LEADER_ONLY, ALL_PHASES, "member.changed"),
    "member.remove": (FACILITATORS, ALL_PHASES, "member.removed"),
    # §10: the planning game.
    "item.estimate": (PARTICIPANTS, EDITING, "item.estimated"),
    "item.stack": (PARTICIPANTS, EDITING, "item.stacked"),
    "item.unstack": (PARTICIPANTS, EDITING, "item.stacked"),
    "planning.set": (FACILITATORS, OPEN_BOARD, "planning.changed"),
}

# A phase each phase may validly move to (from `agreed` only `plan` is allowed).
NEXT_PHASE = {GATHER: VOTE, VOTE: PLAN, PLAN: GATHER, AGREED: PLAN}


def expected(op, role, phase):
    roles, phases, _ = RULES[op]
    if role not in roles:
        return "forbidden"
    if phase not in phases:
        return "phase"
    return None


def arrange(op, room, actor, phase):
    """The fields of an op that, when allowed, really changes something (so it must send its event)."""
    return arrange_op(
        op,
        workshop=room.workshop,
        lanes=room.lanes,
        item=room.item,
        actor=actor,
        bystander=room.target,
        phase=NEXT_PHASE[phase],
    )


def resolve(fields, ids):
    """Put the arranged ids in place of their placeholders ("ITEM", "LANE", "TARGET")."""
    return {name: ids[value] if isinstance(value, str) and value in ids else value for name, value in fields.items()}


def test_the_table_covers_every_op():
    assert set(RULES) == set(protocol.OPS)


@pytest.mark.parametrize("phase", [GATHER, VOTE, PLAN, AGREED])
@pytest.mark.parametrize("role", [LEADER, FACILITATOR, MEMBER, OBSERVER])
@pytest.mark.parametrize("op", sorted(RULES))
def test_who_may_do_what_in_which_phase(room, op, role, phase):
    actor = room.by_role[role]
    # The member's own item: a member edits and deletes their own, a facilitator anyone's.
    room.item = make_item(room.workshop, room.member, title="Write the welcome email")
    fields = arrange(op, room, actor, phase)
    set_phase(room.workshop, phase)

    code = expected(op, role, phase)
    if code is not None:
        refuse(room.workshop, actor, op, code, **fields)
        return
    seq_before, _ = board_state(room.workshop)
    outcome = send(room.workshop, actor, op, **fields)
    names = [event.name for event in outcome.events]
    assert RULES[op][2] in names
    assert outcome.seq == seq_before + len(names)


# The envelope: anything malformed is `bad_request`, whoever sends it, and changes nothing.


@pytest.mark.parametrize("frame", ["item.add", ["item.add"], None, 42, True])
def test_a_frame_that_is_not_an_object_is_a_bad_request(workshop, member, frame):
    refuse_frame(workshop, member, frame, "bad_request")


@pytest.mark.parametrize(
    "frame",
    [
        {"op": "item.explode", "ref": "r1"},
        {"op": "", "ref": "r1"},
        {"op": 7, "ref": "r1"},
        {"op": None, "ref": "r1"},
        {"ref": "r1"},
        {"op": "ITEM.ADD", "ref": "r1", "lane": 1, "title": "x"},
    ],
)
def test_an_unknown_op_is_a_bad_request(workshop, member, frame):
    refuse_frame(workshop, member, frame, "bad_request")


@pytest.mark.parametrize("ref", [None, "", "x" * 65, 12, ["r"], {"r": 1}])
def test_a_ref_must_be_a_string_of_1_to_64_characters(room, ref):
    frame = {"op": "item.add", "lane": room.lanes[0].id, "title": "A new idea"}
    if ref is not None:
        frame["ref"] = ref
    error = refuse_frame(room.workshop, room.member, frame, "bad_request")
    assert error.detail["field"] == "ref"


def test_a_ref_of_64_characters_is_fine(room):
    ref = "x" * 64
    assert send(room.workshop, room.member, "item.add", ref=ref, lane=room.lanes[0].id, title="A new idea").seq


@pytest.mark.parametrize(
    ("op", "fields", "missing"),
    [
        ("item.add", {"title": "No lane"}, "lane"),
        ("item.add", {"lane": "LANE"}, "title"),
        ("item.edit", {"item": "ITEM"}, "version"),
        ("item.move", {"item": "ITEM", "lane": "LANE"}, "index"),
        ("item.delete", {}, "item"),
        ("item.assign", {"item": "ITEM"}, "member"),
        ("phase.set", {}, "phase"),
        ("timer.start", {}, "seconds"),
        ("walk.focus", {}, "item"),
        ("confidence.answer", {}, "score"),
        ("member.ready", {}, "ready"),
        ("member.rename", {}, "name"),
        ("member.role", {"member": "TARGET"}, "role"),
    ],
)
def test_a_missing_field_is_a_bad_request_naming_it(room, op, fields, missing):
    set_phase(room.workshop, Phase.PLAN)
    item = make_item(room.workshop, room.member)
    ids = {"ITEM": item.id, "LANE": room.lanes[0].id, "TARGET": room.target.id}
    fields = resolve(fields, ids)
    error = refuse(room.workshop, room.leader, op, "bad_request", **fields)
    assert error.detail["field"] == missing


@pytest.mark.parametrize(
    ("op", "fields", "extra"),
    [
        ("item.add", {"lane": "LANE", "title": "x", "owner": 3}, "owner"),
        ("item.delete", {"item": "ITEM", "force": True}, "force"),
        ("timer.stop", {"seconds": 10}, "seconds"),
        ("phase.set", {"phase": "vote", "type": "op"}, "type"),
    ],
)
def test_an_unknown_extra_field_is_a_bad_request_naming_it(room, op, fields, extra):
    item = make_item(room.workshop, room.member)
    ids = {"ITEM": item.id, "LANE": room.lanes[0].id}
    fields = resolve(fields, ids)
    error = refuse(room.workshop, room.leader, op, "bad_request", **fields)
    assert error.detail["field"] == extra


@pytest.mark.parametrize(
    ("op", "fields", "field"),
    [
        # A bool is not an int, though Python says it is.
        ("item.move", {"item": "ITEM", "lane": "LANE", "index": True}, "index"),
        ("item.add", {"lane": True, "title": "x"}, "lane"),
        ("item.edit", {"item": "ITEM", "version": False, "title": "x"}, "version"),
        ("timer.start", {"seconds": True}, "seconds"),
        # A number is not a string, nor a string a number.
        ("item.add", {"lane": "LANE", "title": 5}, "title"),
        ("item.add", {"lane": "LANE", "title": None}, "title"),
        ("item.add", {"lane": "LANE", "title": "x", "notes": 12}, "notes"),
        ("item.add", {"lane": "LANE", "title": "x", "due": 20261231}, "due"),
        ("item.add", {"lane": "LANE", "title": "x", "criterion": "0"}, "criterion"),
        ("item.delete", {"item": "1"}, "item"),
        # A number with a fraction is no integer; one without is (test_a_whole_number_...).
        ("item.move", {"item": "ITEM", "lane": "LANE", "index": 1.5}, "index"),
        ("timer.start", {"seconds": 300.5}, "seconds"),
        ("confidence.answer", {"score": 4.000001}, "score"),
        ("walk.focus", {"item": float("nan")}, "item"),
        ("timer.start", {"seconds": float("inf")}, "seconds"),
        ("lane.add", {"title": 12}, "title"),
        ("phase.set", {"phase": 2}, "phase"),
        ("item.status", {"item": "ITEM", "status": None}, "status"),
        ("goal.edit", {"success_criteria": "one per line"}, "success_criteria"),
        ("goal.edit", {"success_criteria": ["ok", 2]}, "success_criteria"),
        ("member.ready", {"ready": "yes"}, "ready"),
        ("member.ready", {"ready": 1}, "ready"),
        ("member.rename", {"name": 5}, "name"),
        ("member.rename", {"name": None}, "name"),
        ("member.role", {"member": "TARGET", "role": 3}, "role"),
        ("confidence.answer", {"score": "5"}, "score"),
        ("walk.focus", {"item": "1"}, "item"),
        ("walk.focus", {"item": True}, "item"),
    ],
)
def test_a_mistyped_field_is_a_bad_request_naming_it(room, op, fields, field):
    set_phase(room.workshop, Phase.PLAN)
    item = make_item(room.workshop, room.member)
    ConfidenceCheck.objects.create(workshop=room.workshop)
    ids = {"ITEM": item.id, "LANE": room.lanes[0].id, "TARGET": room.target.id}
    fields = resolve(fields, ids)
    error = refuse(room.workshop, room.leader, op, "bad_request", **fields)
    assert error.detail["field"] == field


@pytest.mark.parametrize(
    ("op", "fields", "check"),
    [
        ("item.add", {"lane": "LANE", "title": "x", "criterion": 0.0}, lambda data: data["item"]["criterion"] == 0),
        ("item.move", {"item": "ITEM", "lane": "OTHER_LANE", "index": 0e0}, lambda data: data["index"] == 0),
        ("item.move", {"item": "ITEM", "lane": "OTHER_LANE", "index": -0.0}, lambda data: data["index"] == 0),
        ("timer.start", {"seconds": 3e2}, lambda data: data["timer"] is not None),
        ("confidence.answer", {"score": 4.0}, lambda data: data["confidence"]["answers"] == 1),
        ("walk.focus", {"item": "ITEM"}, lambda data: type(data["item"]) is int),
        ("item.claim", {"item": "ITEM"}, lambda data: type(data["item"]) is int),
    ],
)
def test_a_whole_number_written_with_a_fraction_of_zero_is_an_integer(room, op, fields, check):
    """JSON Schema's "integer", the type the OpenAPI description gives, is any number with a zero
    fraction: a script's `5.0` (or `1e3`) is the integer it says, here as in the HTTP API."""
    set_phase(room.workshop, Phase.PLAN)
    item = make_item(room.workshop, room.member)
    ConfidenceCheck.objects.create(workshop=room.workshop)
    ids = {"ITEM": float(item.id), "LANE": float(room.lanes[0].id), "OTHER_LANE": float(room.lanes[1].id)}
    outcome = send(room.workshop, room.leader, op, **resolve(fields, ids))
    (event,) = outcome.events
    assert check(event.data), event.data


def test_dispatch_answers_with_the_ref_it_was_sent(room):
    ref, outcome = protocol.dispatch(
        workshop_id=room.workshop.id,
        actor_id=room.member.id,
        frame={"op": "item.add", "ref": "my-ref", "lane": room.lanes[0].id, "title": "A new idea"},
    )
    assert ref == "my-ref"
    assert outcome.events[0].ref == "my-ref"
    assert outcome.events[0].actor_id == room.member.id
    assert not outcome.duplicate


def test_a_refused_frame_still_names_its_ref_for_the_error_frame():
    assert protocol.frame_ref({"op": "nope", "ref": "abc"}) == "abc"
    assert protocol.frame_ref({"op": "nope", "ref": "x" * 65}) is None
    assert protocol.frame_ref(["not", "an", "object"]) is None


def test_an_observer_is_refused_before_anything_is_looked_up(room):
    """Observers may do nothing: even an op about a missing item is `forbidden`, not `not_found`."""
    refuse(room.workshop, room.observer, "item.delete", "forbidden", item=999_999)
    assert not Item.objects.filter(workshop=room.workshop).exists()


def test_dispatch_refuses_a_non_member(room, other_workshop):
    refuse_frame(
        room.workshop,
        other_workshop.members.get(),
        {"op": "item.add", "ref": new_ref(), "lane": room.lanes[0].id, "title": "x"},
        "forbidden",
    )


@pytest.mark.parametrize(
    ("op", "fields"),
    [
        ("item.delete", {"item": 2**63}),
        ("item.delete", {"item": -(2**63) - 1}),
        ("item.add", {"lane": 10**30, "title": "x"}),
        ("item.assign", {"item": "ITEM", "member": 2**64}),
        ("member.remove", {"member": 2**63}),
    ],
)
def test_an_id_beyond_any_database_integer_is_not_found(room, op, fields):
    """JSON integers are unbounded; an id no row can have is simply not there, not a crash."""
    item = make_item(room.workshop, room.member)
    refuse(room.workshop, room.leader, op, "not_found", **resolve(fields, {"ITEM": item.id}))
