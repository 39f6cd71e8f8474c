"""Who may send which op (protocol §1, and the "who" column of §4's op table).

Every op is tried by every kind of person: the leader, a facilitator, a member who wrote the
item, a member who did not, an observer, a member and the leader of another workshop, and a
member who has been removed. Each is allowed or refused (`forbidden`) exactly as the table
below, copied from the protocol, says; a refusal changes nothing at all (every row of every
board table compared before and after, the event log included). The phase is one where the
op is allowed, so that who is the only question; test_protocol.py crosses roles with phases.

Then the same through the socket, for the refusals a socket can meet: an observer's and a
member's ops, and a removed member whose socket is still open. Anonymous visitors, other
workshops' members and removed members cannot open a socket at all (test_consumers.py,
test_perimeter.py); here each of them is also shown to change nothing with any op.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from goals.models import Invite, Member, Phase, Role, Workshop
from live.models import Event, OpReceipt
from planning.models import (
    CheckIn,
    ConfidenceAnswer,
    ConfidenceCheck,
    HelpOffer,
    Item,
    Lane,
    Ownership,
    PlanVersion,
    Vote,
)
from room import protocol
from room.members import member_remove
from tests.planning.helpers import arrange_op, make_item, new_ref, refuse, refuse_frame, send, set_phase
from tests.planning.ws import Ws, connect_all, run
from tests.room.test_protocol import RULES

# The protocol's "who" column, word for word.
WHO = {
    "item.add": "member",
    "item.edit": "author, facilitator",
    "item.move": "member",
    "item.delete": "author, facilitator",
    "vote.cast": "member",
    "vote.retract": "member",
    "item.claim": "member",
    "item.unclaim": "member",
    "item.assign": "facilitator",
    "item.unassign": "facilitator",
    "item.status": "facilitator",
    "lane.add": "facilitator",
    "lane.rename": "facilitator",
    "lane.move": "facilitator",
    "lane.delete": "facilitator",
    "phase.set": "facilitator",
    "goal.edit": "leader",
    "timer.start": "facilitator",
    "timer.stop": "facilitator",
    "walk.focus": "facilitator",
    "agenda.set": "facilitator",
    "agenda.step": "facilitator",
    "confidence.open": "facilitator",
    "confidence.answer": "member",
    "confidence.close": "facilitator",
    "item.progress": "an owner of the item, facilitator",
    "item.help": "member",
    "checkin.record": "facilitator",
    "member.ready": "member",
    "member.rename": "anyone",
    "member.role": "leader",
    "member.remove": "facilitator",
    "item.estimate": "member",
    "item.stack": "member",
    "item.unstack": "member",
    "planning.set": "facilitator",
}
# The event each op sends when it is allowed (the table's last column).
EVENT = {
    "item.add": "item.added",
    "item.edit": "item.edited",
    "item.move": "item.moved",
    "item.delete": "item.deleted",
    "vote.cast": "vote.changed",
    "vote.retract": "vote.changed",
    "item.claim": "item.owners",
    "item.unclaim": "item.owners",
    "item.assign": "item.owners",
    "item.unassign": "item.owners",
    "item.status": "item.status",
    "lane.add": "lane.added",
    "lane.rename": "lane.renamed",
    "lane.move": "lane.moved",
    "lane.delete": "lane.deleted",
    "phase.set": "phase.changed",
    "goal.edit": "goal.edited",
    "timer.start": "timer.changed",
    "timer.stop": "timer.changed",
    "walk.focus": "walk.focused",
    "agenda.set": "agenda.changed",
    "agenda.step": "agenda.stepped",
    "confidence.open": "confidence.changed",
    "confidence.answer": "confidence.changed",
    "confidence.close": "confidence.changed",
    "item.progress": "item.progress",
    "item.help": "item.helpers",
    "checkin.record": "checkin.recorded",
    "member.ready": "member.ready",
    "member.rename": "member.changed",
    "member.role": "member.changed",
    "member.remove": "member.removed",
    "item.estimate": "item.estimated",
    "item.stack": "item.stacked",
    "item.unstack": "item.stacked",
    "planning.set": "planning.changed",
}

LEADER, FACILITATOR, AUTHOR, OTHER_MEMBER, OBSERVER = "leader", "facilitator", "author", "other member", "observer"
FOREIGN_MEMBER, FOREIGN_LEADER, REMOVED = "another workshop's member", "another workshop's leader", "removed member"
ACTORS = [LEADER, FACILITATOR, AUTHOR, OTHER_MEMBER, OBSERVER, FOREIGN_MEMBER, FOREIGN_LEADER, REMOVED]

# What the words of the "who" column mean (§1: a leader may everything a facilitator may;
# §4: "member" means anyone but an observer; the author is the member who added the item, and
# for item.progress also its owner, arranged so: the other member owns nothing).
MAY = {
    "anyone": {LEADER, FACILITATOR, AUTHOR, OTHER_MEMBER, OBSERVER},
    "member": {LEADER, FACILITATOR, AUTHOR, OTHER_MEMBER},
    "author, facilitator": {LEADER, FACILITATOR, AUTHOR},
    "an owner of the item, facilitator": {LEADER, FACILITATOR, AUTHOR},
    "facilitator": {LEADER, FACILITATOR},
    "leader": {LEADER},
}
ROLE_OF = {
    LEADER: Role.LEADER,
    FACILITATOR: Role.FACILITATOR,
    AUTHOR: Role.MEMBER,
    OTHER_MEMBER: Role.MEMBER,
    OBSERVER: Role.OBSERVER,
}

# A phase in which the op is allowed, for the people who may send it.
PHASE = {
    "vote.cast": Phase.VOTE,
    "vote.retract": Phase.VOTE,
    "item.progress": Phase.AGREED,
    "item.help": Phase.AGREED,
    "checkin.record": Phase.AGREED,
}

# Every table a board lives in, and the people and invites around it. Not presence (Connection):
# it is no state of the board ("not logged, no seq"), and a socket's own row comes and goes.
BOARD_TABLES: list[type[models.Model]] = [
    Workshop,
    Member,
    Invite,
    Lane,
    Item,
    Vote,
    Ownership,
    HelpOffer,
    CheckIn,
    ConfidenceCheck,
    ConfidenceAnswer,
    Event,
    OpReceipt,
    PlanVersion,
]


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row of every board table (of every workshop): what a refusal must leave as it was."""
    return {table.__name__: list(table.objects.order_by("pk").values()) for table in BOARD_TABLES}


def allowed(op: str, actor: str) -> bool:
    return actor in MAY[WHO[op]]


def test_the_table_covers_every_op_and_agrees_with_the_phase_rules():
    assert set(WHO) == set(EVENT) == set(protocol.OPS)
    for op, who in WHO.items():
        roles = {ROLE_OF[actor] for actor in MAY[who]}
        assert roles == set(RULES[op][0]), op
        assert EVENT[op] == RULES[op][2], op


def people(room, join, other_workshop) -> dict[str, Member]:
    removed = join(Role.MEMBER, "Rex")
    return {
        LEADER: room.leader,
        FACILITATOR: room.facilitator,
        AUTHOR: room.member,
        OTHER_MEMBER: room.target,
        OBSERVER: room.observer,
        FOREIGN_MEMBER: join(Role.MEMBER, "Stranger", other_workshop),
        FOREIGN_LEADER: other_workshop.members.get(role=Role.LEADER),
        REMOVED: removed,
    }


def arrange(op: str, room, actor: Member, bystander: Member, item: Item) -> dict[str, Any]:
    """The op's fields, arranged so that when it is allowed it really changes something."""
    return arrange_op(
        op, workshop=room.workshop, lanes=room.lanes, item=item, actor=actor, bystander=bystander, phase=Phase.GATHER
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("op", sorted(WHO))
def test_each_op_is_allowed_or_refused_by_who_sends_it(room, join, other_workshop, op, actor):
    everyone = people(room, join, other_workshop)
    sender = everyone[actor]
    # A plain member nobody else plays: the one assigned, promoted or removed.
    bystander = join(Role.MEMBER, "Bea")
    set_phase(room.workshop, PHASE.get(op, Phase.PLAN))
    item = make_item(room.workshop, room.member, title="Write the welcome email")
    fields = arrange(op, room, sender, bystander, item)
    if actor == REMOVED:
        member_remove(workshop_id=room.workshop.id, actor_id=room.leader.id, ref=None, member=sender.id)

    seq = Workshop.objects.get(pk=room.workshop.pk).seq
    before = everything()
    if not allowed(op, actor):
        refuse(room.workshop, sender, op, "forbidden", **fields)
        assert everything() == before, f"{actor}'s refused {op} changed something"
        return
    outcome = send(room.workshop, sender, op, **fields)
    assert EVENT[op] in [event.name for event in outcome.events]
    assert outcome.seq == seq + len(outcome.events)
    assert everything() != before


# Through the socket


async def open_socket(workshop: Workshop, member: Member) -> Ws:
    return await Ws.open(workshop.id, member)


def socket_fields(op: str, room, item: Item) -> dict[str, Any]:
    """Valid fields for every op; which of them would change something does not matter for a refusal."""
    return arrange(op, room, room.leader, room.target, item)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", [OBSERVER, AUTHOR])
async def test_a_refused_op_on_the_socket_is_forbidden_with_its_ref_and_changes_nothing(room, who):
    """An observer's every op, and a member's every op the table keeps from members."""
    sender = room.observer if who == OBSERVER else room.member
    ops = sorted(op for op in WHO if not allowed(op, who))
    item = await run(make_item, room.workshop, room.member)
    await run(set_phase, room.workshop, Phase.PLAN)
    fields = {op: await run(socket_fields, op, room, item) for op in ops}
    (ws,) = await connect_all(open_socket, room.workshop, sender)
    try:
        before = await run(everything)
        refs = {op: await ws.send(op, **fields[op]) for op in ops}
        for op, ref in refs.items():
            reply = await ws.reply(ref)
            assert (reply["type"], reply["code"], reply["ref"]) == ("error", "forbidden", ref), op
        assert await ws.nothing()
        assert await run(everything) == before
    finally:
        await ws.close()
    assert len(ops) == (35 if who == OBSERVER else 20)


@pytest.mark.django_db(transaction=True)
async def test_a_member_removed_behind_an_open_socket_can_do_nothing_through_it(room):
    """The removal's event has not reached the socket yet (a slow channel layer): every op the
    socket still sends is refused, from the database's view of who is a member."""
    item = await run(make_item, room.workshop, room.member)
    await run(set_phase, room.workshop, Phase.PLAN)
    fields = {op: await run(socket_fields, op, room, item) for op in sorted(WHO)}
    (ws,) = await connect_all(open_socket, room.workshop, room.target)
    try:
        await run(lambda: Member.objects.filter(pk=room.target.pk).update(removed_at=timezone.now()))
        before = await run(everything)
        refs = {op: await ws.send(op, **fields[op]) for op in sorted(WHO)}
        for op, ref in refs.items():
            reply = await ws.reply(ref)
            assert (reply["type"], reply["code"], reply["ref"]) == ("error", "forbidden", ref), op
        assert await run(everything) == before
    finally:
        await ws.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["anonymous", FOREIGN_MEMBER, REMOVED])
async def test_someone_who_cannot_open_a_socket_changes_nothing_with_any_op(room, join, other_workshop, who):
    item = await run(make_item, room.workshop, room.member)
    await run(set_phase, room.workshop, Phase.PLAN)
    visitor = None
    if who == FOREIGN_MEMBER:
        visitor = await run(join, Role.MEMBER, "Stranger", other_workshop)
    elif who == REMOVED:
        visitor = room.target
        await run(send, room.workshop, room.leader, "member.remove", member=room.target.id)
    fields = {op: await run(socket_fields, op, room, item) for op in sorted(WHO)}
    before = await run(everything)
    for op in sorted(WHO):
        ws = await Ws.open(room.workshop.id, visitor)
        if ws.accepted:
            assert await ws.closed() == 4404
        else:
            assert ws.refusal == 4404
        await ws.send(op, **fields[op])
        assert ws.frames == []
        await ws.close()
    assert await run(everything) == before


def test_a_ref_another_member_committed_gets_an_observer_no_ack(room):
    """Refs are the sender's own: resending someone else's committed ref is judged as a new op."""
    ref = new_ref()
    send(room.workshop, room.member, "item.add", ref=ref, lane=room.lanes[0].id, title="Mine")
    before = everything()
    frame = {"op": "item.add", "ref": ref, "lane": room.lanes[0].id, "title": "Mine"}
    refuse_frame(room.workshop, room.observer, frame, "forbidden")
    assert everything() == before
