"""One workshop through every op of the protocol, on whatever database the settings name.

`python -m tests.room.every_op` migrates the database that DATABASE_URL names (a fresh one: ids are
compared), plays the session and prints what every member sees at the end, the event log and each
op's ack as JSON, with what differs by nature (the workshop's random id, instants, tokens) masked.
tests/room/test_backends_agree.py runs it on PostgreSQL and on SQLite and compares the two.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

FIRST_SEQ_OF = "first seq of each op"


def play() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from goals.invites import current_member_invite, token_for
    from goals.members import member_join
    from goals.models import Member, Role
    from live.models import Event
    from planning.models import Item, Lane
    from planning.snapshot import build_snapshot
    from room.protocol import OPS, dispatch
    from room.workshops import workshop_create

    user = get_user_model().objects.create_user(username="leader", password="a-long-password-1")
    workshop = workshop_create(
        user=user, title="Ship it", why="Because.", success_criteria=["Fast", "Kind"], votes_per_member=3
    )
    leader = Member.objects.get(workshop=workshop, role=Role.LEADER)
    token = token_for(current_member_invite(workshop))
    ana, ben, cy = (
        member_join(token=token, name=name, user=None, session=SessionStore()) for name in ("Ana", "Ben", "Cy")
    )
    acks: list[tuple[str, int, int]] = []
    used: set[str] = set()

    def op(actor: Member, op_name: str, **fields: Any) -> Any:
        ref = f"r{len(acks) + 1}"
        _, outcome = dispatch(workshop_id=workshop.id, actor_id=actor.id, frame={"op": op_name, "ref": ref, **fields})
        acks.append((op_name, outcome.seq, len(outcome.events)))
        used.add(op_name)
        return outcome

    def lanes() -> list[int]:
        return list(Lane.objects.filter(workshop=workshop).order_by("position").values_list("id", flat=True))

    now, after, later = lanes()
    op(leader, "lane.add", title="Someday")
    op(leader, "lane.rename", lane=later, title="Later on")
    op(leader, "lane.move", lane=later, index=0)
    for title, lane in (("Write the guide", now), ("Record a video", now), ("Hire", after), ("Drop me", after)):
        op(ana, "item.add", lane=lane, title=title, notes=f"{title}, with notes", criterion=0)
    first, second, third, doomed = Item.objects.filter(workshop=workshop).order_by("id").values_list("id", flat=True)
    op(ana, "item.edit", item=first, version=1, title="Write the onboarding guide", due="2027-01-15", criterion=1)
    op(ben, "item.move", item=second, lane=after, index=0)
    op(ben, "item.move", item=third, lane=now, index=0)
    op(leader, "item.delete", item=doomed)
    op(leader, "walk.focus", item=first)
    op(leader, "timer.start", seconds=300)
    op(leader, "timer.stop")
    op(leader, "goal.edit", why="Because new customers churn.", success_criteria=["Fast"])
    steps = [
        {"title": "Ideas", "phase": "gather", "minutes": 10, "instructions": "One idea per card."},
        {"title": "Dots", "phase": "vote", "minutes": 5},
        {"title": "Plan", "phase": "plan", "minutes": None, "instructions": "Who does what, by when?"},
    ]
    op(leader, "agenda.set", agenda=steps)
    op(leader, "agenda.step", index=0)
    op(ana, "member.ready", ready=True)
    op(ben, "item.claim", item=first)
    op(ben, "item.unclaim", item=first)
    op(leader, "item.assign", item=second, member=cy.id)
    op(leader, "item.unassign", item=second, member=cy.id)
    op(leader, "member.role", member=cy.id, role="facilitator")
    op(leader, "planning.set", estimates=True, capacity_hours=100, private_gather=True)
    op(ben, "item.add", lane=now, title="A private thought")  # face down for everyone but Ben
    op(ana, "item.estimate", item=first, hours=8)
    op(ana, "item.estimate", item=second, hours=4)
    op(ana, "item.stack", item=third, onto=second)
    op(ana, "item.unstack", item=third)
    op(leader, "phase.set", phase="vote")  # items.revealed first
    for voter in (ana, ben, cy):
        op(voter, "vote.cast", item=first)
    op(ben, "vote.cast", item=second)
    op(ben, "vote.retract", item=second)
    op(cy, "phase.set", phase="plan")
    op(leader, "lane.delete", lane=lanes()[-1])
    for item in (first, second):
        op(leader, "item.status", item=item, status="accepted")
    op(leader, "item.status", item=third, status="dropped")
    op(ana, "item.claim", item=first)
    op(leader, "item.assign", item=second, member=ben.id)
    op(leader, "confidence.open")
    for answer, voter in enumerate((leader, ana, ben)):
        op(voter, "confidence.answer", score=answer + 3)
    op(leader, "confidence.close")
    op(leader, "phase.set", phase="agreed")
    op(ana, "item.progress", item=first, state="blocked", note="Waiting on legal")
    op(ben, "item.help", item=first, offer=True, note="I know the legal team")
    op(ana, "item.help", item=second, offer=True)
    op(ana, "item.help", item=second, offer=True, note="Evenings only")
    op(ana, "item.progress", item=first, state="on_track")
    op(leader, "checkin.record", note="Week one")
    op(leader, "member.remove", member=ben.id)
    op(leader, "member.role", member=cy.id, role="observer")
    op(cy, "member.rename", name="Cy Okafor")
    op(leader, "phase.set", phase="plan")
    op(leader, "agenda.step", index=1)  # to vote: phase.changed, timer.changed, agenda.stepped
    op(leader, "agenda.step", index=2)  # to plan: revealed; no minutes, the timer stops
    op(leader, "agenda.step", index=None)
    missing = set(OPS) - used
    assert not missing, f"the session leaves out {sorted(missing)}"

    seen = {member.name: build_snapshot(workshop.id, member.id) for member in (leader, ana, cy)}
    log = list(
        Event.objects.filter(workshop_id=workshop.id)
        .order_by("seq")
        .values("seq", "name", "actor", "ref", "data", "private")
    )
    return _masked({"workshop": workshop.id, "snapshots": seen, "events": log, "acks": acks}, workshop.id)


_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def _masked(value: Any, workshop_id: str) -> Any:
    text = json.dumps(value, sort_keys=True, default=str).replace(workshop_id, "<workshop>")
    text = re.sub(r'("(?:token|url|invite_url|link)": )"[^"]*"', r'\1"<secret>"', text)
    return json.loads(_INSTANT.sub("<instant>", text))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    json.dump(play(), sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
