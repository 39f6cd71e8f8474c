"""After the agreement: progress on the agreed plan, offers of help, and check-ins (protocol §7).

The board's content stays frozen in `agreed`; these three ops are what still moves there. They
take the same one change path as every other op. Progress and helpers belong to accepted items
only: `item.status` clears them when an item leaves the plan, and a reopen keeps them, so that
the thread of an item that stays accepted runs on into the next version.
"""

from __future__ import annotations

from typing import Any

from core import clock, limits
from core.errors import Forbidden, Invalid
from core.sql import fetch_all, fetch_one, insert_statement, update_statement
from core.validation import UNSET, boolean, choice, identifier, text
from goals.models import FACILITATING, PARTICIPATING, Phase
from live.changes import Change, operation
from planning.board import missing_item
from planning.models import CheckIn, HelpOffer, Item, ItemStatus, ProgressState
from planning.payloads import checkin_json, help_values, progress_values

STATES = frozenset(ProgressState.values)
AFTER_AGREEMENT = frozenset({Phase.AGREED})
# The keys of a check-in's counts: every state, and `none` for items nobody has reported on yet.
COUNT_KEYS = ("on_track", "at_risk", "blocked", "done", "none")
REPORT_FIELDS = ("progress_state", "progress_note", "progress_by", "progress_at")


def _accepted_item(change: Change, item: Any, *, people: str) -> tuple[int, dict[int, str]]:
    """The item's id and the members in `people` (the item's owners or its helpers, in order),
    each with what they said (a helper's note; "" for an owner), if it is an accepted item of
    this workshop."""
    item_id = identifier(item, "item")
    table, said = {"owners": ("planning_ownership", "''"), "helpers": ("planning_helpoffer", "p.note")}[people]
    rows = fetch_all(
        f"SELECT i.status, p.member_id, {said} FROM planning_item i LEFT JOIN {table} p ON p.item_id = i.id"  # noqa: S608 (fixed names)
        " WHERE i.id = %s AND i.workshop_id = %s ORDER BY p.id",
        [item_id, change.workshop.id],
    )
    if not rows:
        raise missing_item(item_id)
    if rows[0][0] != ItemStatus.ACCEPTED:
        raise Invalid("item", "Only accepted items of the plan carry progress and helpers.")
    return item_id, {member_id: note for _, member_id, note in rows if member_id is not None}


@operation
def item_progress(change: Change, *, item: Any, state: Any, note: Any = UNSET) -> None:
    change.require_role(PARTICIPATING, "Observers do not report progress.")
    change.require_phase(AFTER_AGREEMENT, "Progress is reported on the agreed plan.")
    state = choice(state, "state", STATES)
    note = "" if note is UNSET else text(note, "note", min_length=0, max_length=limits.PROGRESS_NOTE_MAX)
    item_id, owners = _accepted_item(change, item, people="owners")
    if change.member.role not in FACILITATING and change.member.id not in owners:
        raise Forbidden("Only the item's owners (or a facilitator) report its progress.")
    # Reported again unchanged still counts: "still on track" at a check-in is news, and its time is.
    report = Item(
        id=item_id, progress_state=state, progress_note=note, progress_by=change.member, progress_at=clock.now()
    )
    # Through the fields' own preparation, so that the time is stored as the ORM stores every other.
    change.write(*update_statement(report, REPORT_FIELDS))
    change.emit(
        "item.progress",
        {"item": item_id, "progress": progress_values(state, note, change.member.id, report.progress_at)},
    )


@operation
def item_help(change: Change, *, item: Any, offer: Any, note: Any = UNSET) -> None:
    """Offer help on an item, saying how (`note`), or withdraw the offer and its note.

    An offer's note is what this op says: offering again with another note, or none, replaces it
    and keeps the offer's place in the order. Only changes send events.
    """
    change.require_role(PARTICIPATING, "Observers do not offer help.")
    change.require_phase(AFTER_AGREEMENT, "Help is offered on the agreed plan.")
    offer = boolean(offer, "offer")
    note = "" if note is UNSET else text(note, "note", min_length=0, max_length=limits.HELP_NOTE_MAX)
    item_id, offers = _accepted_item(change, item, people="helpers")
    me = change.member.id
    had = offers.get(me)
    if (offer and had == note) or (not offer and had is None):
        return
    if not offer:
        change.write("DELETE FROM planning_helpoffer WHERE item_id = %s AND member_id = %s", [item_id, me])
        del offers[me]
    elif had is None:
        # Offer order is id order, and this row's id is the newest of the item's.
        row = HelpOffer(
            workshop_id=change.workshop.id, item_id=item_id, member_id=me, offered_at=clock.now(), note=note
        )
        change.write(*insert_statement([row], ("workshop_id", "item_id", "member_id", "offered_at", "note")))
        offers[me] = note
    else:
        change.write(
            "UPDATE planning_helpoffer SET note = %s WHERE item_id = %s AND member_id = %s", [note, item_id, me]
        )
        offers[me] = note
    helpers, help_notes = help_values(offers)
    change.emit("item.helpers", {"item": item_id, "helpers": helpers, "help_notes": help_notes})


@operation
def checkin_record(change: Change, *, note: Any = UNSET) -> None:
    change.require_role(FACILITATING, "Only a facilitator records a check-in.")
    change.require_phase(AFTER_AGREEMENT, "Check-ins are recorded on the agreed plan.")
    note = "" if note is UNSET else text(note, "note", min_length=0, max_length=limits.CHECKIN_NOTE_MAX)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for state, count in fetch_all(
        "SELECT progress_state, COUNT(*) FROM planning_item WHERE workshop_id = %s AND status = %s"
        " GROUP BY progress_state",
        [change.workshop.id, ItemStatus.ACCEPTED],
    ):
        counts[state or "none"] += count
    (last,) = fetch_one("SELECT MAX(number) FROM planning_checkin WHERE workshop_id = %s", [change.workshop.id])
    checkin = CheckIn(
        workshop_id=change.workshop.id,
        number=(last or 0) + 1,
        at=clock.now(),
        by_id=change.member.id,
        note=note,
        counts=counts,
    )
    change.write(*insert_statement([checkin], ("workshop_id", "number", "at", "by_id", "note", "counts")))
    change.emit("checkin.recorded", {"checkin": checkin_json(checkin)})
