"""The log reader `chat`: what happens on a board, turned into posts for the workshop's chat rooms.

Four things are worth a message in a team's channel (protocol §9): the plan agreed
(`phase.changed` to `agreed`), an item turning blocked (`item.progress` with state `blocked`,
when its previous report was not `blocked` already), a check-in (`checkin.recorded`) and an agenda
step that starts (`agenda.stepped` to a step). Each is read once from the log (jobs.log) and
becomes one post per room subscribed to it, under a reason key unique per room, so a reason read
twice posts once. What each message needs that the event does not carry (the plan's items, the
step's title) is read as the log says it stood at that event, not as the board stands now.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import transaction

from chat import formats, messages
from chat.messages import Message
from chat.models import ChatPost, ChatRoom, Subject
from chat.sending import send_room
from core import clock
from goals.models import Member, Workshop
from jobs import log
from live.committed import Committed
from live.models import Event
from planning.models import Item, Ownership, PlanVersion

NAME = "chat"


def subject_of(event: Any) -> str | None:
    """Which of a room's subjects this event is, if any; a look at its name and data only."""
    data = event.data or {}
    if event.name == "phase.changed" and data.get("phase") == "agreed":
        return Subject.AGREED
    if event.name == "item.progress" and (data.get("progress") or {}).get("state") == "blocked":
        return Subject.BLOCKED
    if event.name == "checkin.recorded":
        return Subject.CHECKIN
    if event.name == "agenda.stepped" and data.get("step") is not None:
        return Subject.STEP
    return None


def wants(change: Committed) -> bool:
    if not any(subject_of(event) for event in change.events):
        return False
    return ChatRoom.objects.filter(workshop_id=change.workshop_id).exists()


def read(workshop_id: str, events: Sequence[Event]) -> None:
    rooms = list(ChatRoom.objects.filter(workshop_id=workshop_id))
    if not rooms:
        return
    workshop = Workshop.objects.get(pk=workshop_id)
    now = clock.now()
    posts: list[ChatPost] = []
    for event in events:
        subject = subject_of(event)
        if subject is None:
            continue
        listening = [room for room in rooms if subject in room.events and event.seq > room.since_seq]
        if not listening:
            continue
        made = _message(workshop, subject, event)
        if made is None:
            continue
        reason, message = made
        posts += [
            ChatPost(room=room, reason=reason, payload=formats.render(room.kind, message), next_attempt_at=now)
            for room in listening
        ]
    if not posts:
        return
    ChatPost.objects.bulk_create(posts, ignore_conflicts=True)
    for room_id in sorted({post.room_id for post in posts}):
        transaction.on_commit(partial(send_room.enqueue, room_id))


def _message(workshop: Workshop, subject: str, event: Event) -> tuple[str, Message] | None:
    if subject == Subject.AGREED:
        return _agreed(workshop, event)
    if subject == Subject.BLOCKED:
        return _blocked(workshop, event)
    if subject == Subject.CHECKIN:
        checkin = event.data["checkin"]
        by = _name(checkin.get("by"))
        return f"checkin:{checkin['number']}", messages.checkin_recorded(workshop.id, workshop.title, checkin, by=by)
    return _step(workshop, event)


def _name(member_id: int | None) -> str:
    if member_id is None:
        return ""
    return Member.objects.filter(pk=member_id).values_list("name", flat=True).first() or ""


def _agreed(workshop: Workshop, event: Event) -> tuple[str, Message] | None:
    number = event.data.get("plan_version")
    version = PlanVersion.objects.filter(workshop_id=workshop.id, number=number).first()
    if version is None:
        return None
    return f"agreed:v{number}", messages.plan_agreed(workshop.id, version.content)


def _was_blocked(event: Event, item_id: int) -> bool:
    """Whether the item's report before this one was `blocked` (a report again, not news)."""
    before = (
        Event.objects.filter(workshop_id=event.workshop_id, name="item.progress", seq__lt=event.seq, data__item=item_id)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    return bool(before) and (before.get("progress") or {}).get("state") == "blocked"


def _blocked(workshop: Workshop, event: Event) -> tuple[str, Message] | None:
    item_id = event.data["item"]
    if _was_blocked(event, item_id):
        return None
    item = Item.objects.filter(pk=item_id, workshop_id=workshop.id).values("title", "due").first()
    if item is None:
        return None  # deleted since: nobody can offer help on it any more
    owners = list(Ownership.objects.filter(item_id=item_id).order_by("id").values_list("member__name", flat=True))
    progress = event.data["progress"]
    message = messages.item_blocked(
        workshop.id,
        workshop.title,
        title=item["title"],
        owners=owners,
        note=progress.get("note") or "",
        by=_name(progress.get("by")),
        due=item["due"].isoformat() if item["due"] else None,
    )
    return f"blocked:item{item_id}@seq{event.seq}", message


def _agenda_at(workshop: Workshop, seq: int) -> list[dict[str, Any]]:
    """The agenda as it stood at `seq`: the last `agenda.changed` before it; when none was logged
    (the agenda came with the workshop, from its template), the board's own."""
    changed = (
        Event.objects.filter(workshop_id=workshop.id, name="agenda.changed", seq__lt=seq)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    return list(changed["agenda"]) if changed else list(workshop.agenda)


def _step(workshop: Workshop, event: Event) -> tuple[str, Message] | None:
    index = event.data["step"]
    agenda = _agenda_at(workshop, event.seq)
    if not 0 <= index < len(agenda):
        return None
    return f"step:{index}@seq{event.seq}", messages.step_started(workshop.id, workshop.title, agenda, index)


READER = log.Reader(name=NAME, wants=wants, read=read)
