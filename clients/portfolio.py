"""The portfolio (protocol §8): every workshop an account leads or shares through a client, grouped
by client, with how its agreed plan is going. A read, in a fixed number of queries however many
workshops and items (tests/clients/test_portfolio.py counts them): the workshops, their clients,
the counts of their accepted items, the items that need attention, their owners and helpers, and
the last check-ins are one query each.

What the contract leaves open (docs/decisions.md, issue 22):
- the counts are of the items accepted on the board now, by their progress (`none`: no report
  yet; before the first agreement every accepted item is `none`); `overdue` counts those whose due
  date is before today (the server's local date) and are not `done`;
- `attention` lists the blocked items, then the at-risk ones, each by due date (none last), then
  board order; `owners` and `helpers` are the members' names (the portfolio has no member list);
- within a client, workshops come by blocked count, then overdue, then at risk (each most
  first), then title; the clients by name, every client the account shares (one without workshops
  too, so that a new client shows), then the group of workshops without a client (`id` null);
- a workshop the account leads is listed under its client even if the account no longer shares it.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientWorkshop
from core import clock
from goals.models import Member, Role, Workshop
from goals.payloads import iso
from planning.models import CheckIn, HelpOffer, Item, ItemStatus, Ownership, ProgressState

STATES = ("on_track", "at_risk", "blocked", "done", "none")
ATTENTION = (ProgressState.BLOCKED, ProgressState.AT_RISK)
NO_CLIENT = "No client"


def _visible(user: AbstractBaseUser, field: str = "workshop_id") -> Q:
    """The workshops the account leads or shares through a client, as a condition on `field`."""
    led = Member.objects.filter(user=user, role=Role.LEADER, removed_at__isnull=True).values("workshop_id")
    shared = ClientWorkshop.objects.filter(client__colleagues=user).values("workshop_id")
    return Q(**{f"{field}__in": led}) | Q(**{f"{field}__in": shared})


def _accepted(user: AbstractBaseUser) -> QuerySet[Item]:
    return Item.objects.filter(_visible(user), status=ItemStatus.ACCEPTED)


def portfolio(user: AbstractBaseUser) -> dict[str, Any]:
    today = timezone.localdate(clock.now())
    workshops = list(
        Workshop.objects.filter(_visible(user, "id"))
        .values("id", "title", "phase", "plan_version", "agreed_at", "client_link__client_id")
        .order_by()
    )
    counts = {
        row["workshop_id"]: row
        for row in _accepted(user)
        .values("workshop_id")
        .order_by()
        .annotate(
            accepted=Count("id"),
            on_track=Count("id", filter=Q(progress_state=ProgressState.ON_TRACK)),
            at_risk=Count("id", filter=Q(progress_state=ProgressState.AT_RISK)),
            blocked=Count("id", filter=Q(progress_state=ProgressState.BLOCKED)),
            done=Count("id", filter=Q(progress_state=ProgressState.DONE)),
            none=Count("id", filter=Q(progress_state="")),
            overdue=Count("id", filter=Q(due__lt=today) & ~Q(progress_state=ProgressState.DONE)),
        )
    }
    needing = _accepted(user).filter(progress_state__in=ATTENTION)
    attention_rows = list(
        needing.values("id", "workshop_id", "title", "progress_state", "due").order_by(
            "lane__position", "position", "id"
        )
    )
    owners = _names(Ownership.objects.filter(item__in=needing.values("id")))
    helpers = _names(HelpOffer.objects.filter(item__in=needing.values("id")))
    last_checkins = dict(
        CheckIn.objects.filter(_visible(user))
        .values("workshop_id")
        .order_by()
        .annotate(last=Max("at"))
        .values_list("workshop_id", "last")
    )
    client_ids = {row["client_link__client_id"] for row in workshops} - {None}
    clients = list(
        Client.objects.filter(Q(colleagues=user) | Q(id__in=client_ids))
        .distinct()
        .order_by("name", "id")
        .values("id", "name")
    )

    attention: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rank = {ProgressState.BLOCKED: 0, ProgressState.AT_RISK: 1}
    attention_rows.sort(key=lambda row: (rank[row["progress_state"]], row["due"] is None, row["due"] or today))
    for row in attention_rows:
        attention[row["workshop_id"]].append(
            {
                "item": row["id"],
                "title": row["title"],
                "state": row["progress_state"],
                "due": iso(row["due"]),
                "owners": owners.get(row["id"], []),
                "helpers": helpers.get(row["id"], []),
            }
        )

    grouped: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in workshops:
        count = counts.get(row["id"], {})
        grouped[row["client_link__client_id"]].append(
            {
                "id": row["id"],
                "title": row["title"],
                "url": reverse("board", args=[row["id"]]),
                "phase": row["phase"],
                "plan_version": row["plan_version"],
                "agreed_at": iso(row["agreed_at"]),
                "accepted": count.get("accepted", 0),
                "progress": {state: count.get(state, 0) for state in STATES},
                "overdue": count.get("overdue", 0),
                "last_checkin": iso(last_checkins.get(row["id"])),
                "attention": attention.get(row["id"], []),
            }
        )
    for listed in grouped.values():
        listed.sort(key=_need)
    groups = [
        {"id": client["id"], "name": client["name"], "workshops": grouped.get(client["id"], [])} for client in clients
    ]
    if None in grouped:
        groups.append({"id": None, "name": NO_CLIENT, "workshops": grouped[None]})
    return {"clients": groups}


def _need(workshop: dict[str, Any]) -> tuple[Any, ...]:
    """Who needs attention most comes first: blocked, then overdue, then at risk."""
    progress = workshop["progress"]
    return (
        -progress["blocked"],
        -workshop["overdue"],
        -progress["at_risk"],
        workshop["title"].casefold(),
        workshop["id"],
    )


def _names(rows: QuerySet[Any]) -> dict[int, list[str]]:
    """Each item's members' names, in `id` order (claim order, the order help was offered)."""
    names: dict[int, list[str]] = defaultdict(list)
    for item_id, name in rows.order_by("id").values_list("item_id", "member__name"):
        names[item_id].append(name)
    return names


CSV_COLUMNS = (
    "client",
    "workshop",
    "title",
    "url",
    "phase",
    "plan_version",
    "agreed_at",
    "accepted",
    *STATES,
    "overdue",
    "last_checkin",
    "attention",
)


def portfolio_csv(data: dict[str, Any], base_url: str) -> str:
    """One row per workshop, in the portfolio's order; `attention` is the titles needing it, "; "-joined."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group in data["clients"]:
        for workshop in group["workshops"]:
            writer.writerow(
                [
                    _cell(group["name"] if group["id"] is not None else ""),
                    workshop["id"],
                    _cell(workshop["title"]),
                    base_url + workshop["url"],
                    workshop["phase"],
                    workshop["plan_version"],
                    workshop["agreed_at"] or "",
                    workshop["accepted"],
                    *(workshop["progress"][state] for state in STATES),
                    workshop["overdue"],
                    workshop["last_checkin"] or "",
                    _cell("; ".join(f"{entry['title']} ({entry['state']})" for entry in workshop["attention"])),
                ]
            )
    return out.getvalue()


def _cell(value: str) -> str:
    """Text as a spreadsheet shows it, never as a formula it runs (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
