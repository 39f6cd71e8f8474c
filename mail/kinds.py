"""When each kind of mail is made, and what it says (protocol §9, Email).

Reasons, one mail per (member, kind, reason):
- `commitments`: `v<N>`, the plan version agreed (read from the log's `phase.changed`).
- `reminders`: `item<id>:<due>:before` on the day REMINDER_DAYS before the due date, and
  `item<id>:<due>:after` on the day after it, unless the item is `done` (the tick).
- `rally`: `item<id>:seq<seq>`, the `item.progress` event that turned it `blocked` (the log).
- `digest`: the ISO week, `2026-W50`, on the first tick of the week (the tick).

What a mail says is stored with it when it is made, so that a retry sends the same message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from core import clock
from goals.models import FACILITATING, Member, Phase, Role, Workshop
from jobs.log import Reader
from live.committed import Committed
from live.models import Event
from mail.addresses import wanted
from mail.models import Kind, Mail
from mail.sending import make_mail
from planning.models import CheckIn, HelpOffer, Item, ItemStatus, Ownership, PlanVersion, ProgressState

READER = "mail"
STATES = ("on_track", "at_risk", "blocked", "done", "none")


def today() -> date:
    return timezone.localtime(clock.now()).date()


def _agreed(event: Any) -> bool:
    return event.name == "phase.changed" and event.data.get("phase") == Phase.AGREED


def _blocked(event: Any) -> bool:
    return event.name == "item.progress" and (event.data.get("progress") or {}).get("state") == ProgressState.BLOCKED


def wants(change: Committed) -> bool:
    return any(_agreed(event) or _blocked(event) for event in change.events)


def read(workshop_id: str, events: Sequence[Event]) -> None:
    states: dict[int, str | None] = {}
    for event in events:
        if _agreed(event):
            commitments_make(workshop_id, event.data["plan_version"])
        elif event.name == "item.progress":
            item_id = event.data["item"]
            state = (event.data.get("progress") or {}).get("state")
            before = states[item_id] if item_id in states else _state_before(workshop_id, item_id, event.seq)
            if state == ProgressState.BLOCKED and before != ProgressState.BLOCKED:
                rally_make(workshop_id, item_id, event)
            states[item_id] = state


READER_SPEC = Reader(name=READER, wants=wants, read=read)


def _state_before(workshop_id: str, item_id: int, seq: int) -> str | None:
    """The item's progress state just before `seq`, from the log (none if the log holds no report)."""
    previous = (
        Event.objects.filter(workshop_id=workshop_id, name="item.progress", seq__lt=seq, data__item=item_id)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    return ((previous or {}).get("progress") or {}).get("state")


def _item_doc(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "title": item["title"], "lane": item["lane"], "due": item["due"]}


def commitments_make(workshop_id: str, version: int) -> int:
    """Each owner of an accepted item of version `version` gets their items of it, once."""
    plan = PlanVersion.objects.filter(workshop_id=workshop_id, number=version).select_related("workshop").first()
    if plan is None:
        return 0
    workshop = plan.workshop
    accepted = {
        item["id"]: item for lane in plan.content["lanes"] for item in lane["items"] if item["status"] == "accepted"
    }
    # Owners are frozen while the plan is agreed; read later, after a reopen, they are matched to
    # the names the version froze.
    still = workshop.phase == Phase.AGREED and workshop.plan_version == version
    owned: dict[int, list[dict[str, Any]]] = defaultdict(list)
    people: dict[int, Member] = {}
    for ownership in Ownership.objects.filter(
        item_id__in=list(accepted), member__removed_at__isnull=True
    ).select_related("member"):
        item = accepted[ownership.item_id]
        if still or ownership.member.name in item["owners"]:
            owned[ownership.member_id].append(_item_doc(item))
            people[ownership.member_id] = ownership.member
    made = 0
    for member_id in wanted(Kind.COMMITMENTS, people.values()):
        items = sorted(owned[member_id], key=lambda item: (item["due"] is None, item["due"] or "", item["id"]))
        context = {
            "workshop_title": workshop.title,
            "version": version,
            "name": people[member_id].name,
            "items": items,
            "guest": people[member_id].user_id is None,
        }
        made += (
            make_mail(kind=Kind.COMMITMENTS, member=people[member_id], reason=f"v{version}", context=context)
            is not None
        )
    return made


def rally_make(workshop_id: str, item_id: int, event: Event) -> int:
    """Everyone but the item's owners and observers hears that it is blocked, once per time it turns so."""
    item = Item.objects.filter(pk=item_id, workshop_id=workshop_id).select_related("workshop").first()
    if item is None:
        return 0
    owners = list(Ownership.objects.filter(item=item).select_related("member").order_by("id"))
    owner_ids = {ownership.member_id for ownership in owners}
    audience = Member.objects.present().filter(workshop_id=workshop_id).exclude(role=Role.OBSERVER)
    audience = [member for member in audience.exclude(pk__in=owner_ids)]
    progress = event.data.get("progress") or {}
    reporter = Member.objects.filter(pk=progress.get("by")).values_list("name", flat=True).first() or ""
    context = {
        "workshop_title": item.workshop.title,
        "item": item.id,
        "title": item.title,
        "due": item.due.isoformat() if item.due else None,
        "note": progress.get("note") or "",
        "by": reporter,
        "owners": [ownership.member.name for ownership in owners],
    }
    by_id = {member.id: member for member in audience}
    made = 0
    for member_id in wanted(Kind.RALLY, audience):
        made += (
            make_mail(
                kind=Kind.RALLY,
                member=by_id[member_id],
                reason=f"item{item.id}:seq{event.seq}",
                context=context | {"name": by_id[member_id].name},
            )
            is not None
        )
    return made


def reminders_make() -> int:
    """On the tick: reminders due today, REMINDER_DAYS before and the day after, for items not done."""
    now = today()
    days = {now + timedelta(days=settings.REMINDER_DAYS): "before", now - timedelta(days=1): "after"}
    items = list(
        Item.objects.filter(status=ItemStatus.ACCEPTED, workshop__plan_version__gte=1, due__in=list(days))
        .exclude(progress_state=ProgressState.DONE)
        .select_related("workshop", "lane")
    )
    if not items:
        return 0
    reasons = {item.id: f"item{item.id}:{item.due.isoformat()}:{days[item.due]}" for item in items if item.due}
    ownerships = list(
        Ownership.objects.filter(item_id__in=list(reasons), member__removed_at__isnull=True).select_related("member")
    )
    sent = set(
        Mail.objects.filter(kind=Kind.REMINDERS, reason__in=list(reasons.values())).values_list("member_id", "reason")
    )
    pending = [o for o in ownerships if (o.member_id, reasons[o.item_id]) not in sent]
    addresses = wanted(Kind.REMINDERS, {o.member for o in pending})
    by_item = {item.id: item for item in items}
    made = 0
    for ownership in pending:
        if ownership.member_id not in addresses:
            continue
        item = by_item[ownership.item_id]
        assert item.due is not None
        context = {
            "workshop_title": item.workshop.title,
            "item": item.id,
            "title": item.title,
            "lane": item.lane.title,
            "due": item.due.isoformat(),
            "due_label": "today" if item.due == now else f"in {(item.due - now).days} days",
            "when": days[item.due],
            "state": item.progress_state or "none",
            "name": ownership.member.name,
        }
        mail = make_mail(kind=Kind.REMINDERS, member=ownership.member, reason=reasons[item.id], context=context)
        made += mail is not None
    return made


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_make() -> int:
    """On the tick: this week's digest for the leader and facilitators of every agreed plan, once."""
    week = iso_week(today())
    leads = (
        Member.objects.present()
        .filter(role__in=FACILITATING, workshop__plan_version__gte=1)
        .exclude(pk__in=Mail.objects.filter(kind=Kind.DIGEST, reason=week).values("member_id"))
        .select_related("workshop")
    )
    addresses = wanted(Kind.DIGEST, leads)
    made = 0
    for member in leads:
        if member.id not in addresses:
            continue
        last = Mail.objects.filter(kind=Kind.DIGEST, member=member).order_by("-created_at").first()
        since = last.created_at if last else clock.now() - timedelta(days=7)
        context = digest_context(member.workshop, since) | {"name": member.name, "week": week}
        made += make_mail(kind=Kind.DIGEST, member=member, reason=week, context=context) is not None
    return made


def digest_context(workshop: Workshop, since: datetime) -> dict[str, Any]:
    """How the plan stands: counts by state, what is blocked, at risk and overdue, help and check-ins since."""
    now = today()
    items = list(
        Item.objects.filter(workshop=workshop, status=ItemStatus.ACCEPTED).order_by("due", "id").select_related("lane")
    )
    counts = dict.fromkeys(STATES, 0)
    for item in items:
        counts[item.progress_state or "none"] += 1

    def brief(item: Item) -> dict[str, Any]:
        return {
            "id": item.id,
            "title": item.title,
            "due": item.due.isoformat() if item.due else None,
            "note": item.progress_note,
        }

    offers = HelpOffer.objects.filter(workshop=workshop, offered_at__gte=since).select_related("member", "item")
    checkins = CheckIn.objects.filter(workshop=workshop, at__gte=since).order_by("number")
    return {
        "workshop_title": workshop.title,
        "version": workshop.plan_version,
        "since": since.date().isoformat(),
        "counts": counts,
        "accepted": len(items),
        "blocked": [brief(item) for item in items if item.progress_state == ProgressState.BLOCKED],
        "at_risk": [brief(item) for item in items if item.progress_state == ProgressState.AT_RISK],
        "overdue": [
            brief(item)
            for item in items
            if item.due is not None and item.due < now and item.progress_state != ProgressState.DONE
        ],
        "help": [{"member": offer.member.name, "title": offer.item.title, "note": offer.note} for offer in offers],
        "checkins": [
            {
                "number": checkin.number,
                "at": checkin.at.date().isoformat(),
                "note": checkin.note,
                "counts": checkin.counts,
            }
            for checkin in checkins
        ],
    }


def periodic() -> dict[str, int]:
    from mail.sending import sweep

    return {"reminders": reminders_make(), "digest": digest_make(), "swept": sweep()}
