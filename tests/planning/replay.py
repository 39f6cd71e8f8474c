"""A client's board kept live from events: the reducer the browser client follows.

`apply(state, frame, me)` takes a snapshot (as `build_snapshot` gives it to member `me`) and one
event frame as that member's socket receives it, and returns the next state. Everything it
needs must be in the snapshot and the event: it may not ask the server anything. Pure Python,
no Django, so that it reads as the spec of the client.
"""

from __future__ import annotations

import copy


def apply(state, frame, me):
    assert frame["type"] == "event"
    assert frame["seq"] == state["seq"] + 1, f"seq gap: at {state['seq']}, got {frame['seq']}"
    state = copy.deepcopy(state)
    state["seq"] = frame["seq"]
    HANDLERS[frame["name"]](state, copy.deepcopy(frame["data"]), me)
    state["items"].sort(key=_board_order(state))
    state["workshop"]["load"] = _load(state)
    return state


def _load(state):
    """The estimates of the accepted cards this client sees in full (protocol §10)."""
    return sum(
        item["estimate"] or 0 for item in state["items"] if not item.get("hidden") and item["status"] == "accepted"
    )


def _face_down(state):
    return state["workshop"]["phase"] == "gather" and state["workshop"]["planning"]["private_gather"]


def _turn_face_down(state, me):
    """Entering a private gather: the server sends no card data, others' cards are turned over here."""
    if not _face_down(state):
        return
    state["items"] = [
        item
        if item["author"] == me or item.get("hidden")
        else {key: item[key] for key in ("id", "lane", "position", "author", "stack")} | {"hidden": True}
        for item in state["items"]
    ]


def _board_order(state):
    lane_index = {lane["id"]: index for index, lane in enumerate(state["lanes"])}
    return lambda item: (lane_index[item["lane"]], item["position"])


def _item(state, item_id):
    return next(item for item in state["items"] if item["id"] == item_id)


def _member(state, member_id):
    return next(member for member in state["members"] if member["id"] == member_id)


def _lane_items(state, lane_id):
    return sorted((item for item in state["items"] if item["lane"] == lane_id), key=lambda item: item["position"])


def _renumber(items):
    for position, item in enumerate(items):
        item["position"] = position


# Items


def item_added(state, data, me):
    state["items"].append(data["item"])


def item_edited(state, data, me):
    item = data["item"]
    state["items"] = [item if current["id"] == item["id"] else current for current in state["items"]]


def item_moved(state, data, me):
    moving = _item(state, data["item"])
    source = [item for item in _lane_items(state, moving["lane"]) if item["id"] != moving["id"]]
    destination = source if data["lane"] == moving["lane"] else _lane_items(state, data["lane"])
    destination.insert(data["index"], moving)
    moving["lane"] = data["lane"]
    _renumber(source)
    _renumber(destination)


def item_deleted(state, data, me):
    gone = _item(state, data["item"])
    state["items"].remove(gone)
    _renumber(_lane_items(state, gone["lane"]))


def item_owners(state, data, me):
    if data.get("hidden"):
        return  # a face-down card's content is not ours to see
    _item(state, data["item"])["owners"] = data["owners"]


def item_estimated(state, data, me):
    if data.get("hidden"):
        return
    _item(state, data["item"])["estimate"] = data["estimate"]


def item_stacked(state, data, me):
    # Where the card goes comes in item.moved events of its own.
    _item(state, data["item"])["stack"] = data["onto"]


def items_revealed(state, data, me):
    state["items"] = data["items"]


def planning_changed(state, data, me):
    state["workshop"]["planning"] = data["planning"]
    _turn_face_down(state, me)


def item_status(state, data, me):
    _item(state, data["item"])["status"] = data["status"]


# After the agreement (protocol §7). The server clears an item's progress and helpers with events of
# their own when it leaves the plan (item.status) or a helper leaves (member.removed, member.changed):
# no handler infers them.


def item_progress(state, data, me):
    _item(state, data["item"])["progress"] = data["progress"]


def item_helpers(state, data, me):
    if data.get("hidden"):
        return
    _item(state, data["item"]).update(helpers=data["helpers"], help_notes=data["help_notes"])


def checkin_recorded(state, data, me):
    state["workshop"]["checkins"].append(data["checkin"])


# Votes


def vote_changed(state, data, me):
    _member(state, data["member"])["used"] = data["used"]
    if data["member"] != me:
        assert set(data) == {"member", "used"}, "where someone else's dots went leaked"
        return
    state["me"]["votes_left"] = max(state["workshop"]["votes_per_member"] - data["used"], 0)
    if "item" in data:
        key = str(data["item"])
        if data["dots"]:
            state["me"]["votes"][key] = data["dots"]
        else:
            state["me"]["votes"].pop(key, None)


def votes_revealed(state, data, me):
    for item in state["items"]:
        if not item.get("hidden"):
            item["votes"] = data["votes"][str(item["id"])]


# Lanes


def lane_added(state, data, me):
    state["lanes"].append(data["lane"])


def lane_renamed(state, data, me):
    lane = data["lane"]
    state["lanes"] = [lane if current["id"] == lane["id"] else current for current in state["lanes"]]


def lane_moved(state, data, me):
    moving = next(lane for lane in state["lanes"] if lane["id"] == data["lane"])
    state["lanes"].remove(moving)
    state["lanes"].insert(data["index"], moving)


def lane_deleted(state, data, me):
    state["lanes"] = [lane for lane in state["lanes"] if lane["id"] != data["lane"]]


# The workshop


def phase_changed(state, data, me):
    workshop = state["workshop"]
    workshop["phase"] = data["phase"]
    if data["phase"] == "vote":
        for item in state["items"]:
            item["votes"] = None
    for member in state["members"]:
        member["ready"] = False
    if data["phase"] == "agreed":
        workshop["plan_version"] = data["plan_version"]
        workshop["agreed_at"] = data["agreed_at"]
    _turn_face_down(state, me)


def goal_edited(state, data, me):
    state["workshop"] = data["workshop"]  # the whole workshop, its check-ins included
    criteria = len(data["workshop"]["success_criteria"])
    for item in state["items"]:
        if item["criterion"] is not None and item["criterion"] >= criteria:
            item["criterion"] = None


def timer_changed(state, data, me):
    state["workshop"]["timer"] = data["timer"]


def agenda_changed(state, data, me):
    state["workshop"]["agenda"] = data["agenda"]
    state["workshop"]["step"] = data["step"]


def agenda_stepped(state, data, me):
    # The step's phase and timer came first, with events of their own; the timer is repeated here.
    state["workshop"]["step"] = data["step"]
    state["workshop"]["timer"] = data["timer"]


def walk_focused(state, data, me):
    # The only event that moves the focus: the server sends it (null) before deleting the focused
    # item and after a phase change, so item.deleted and phase.changed leave it alone.
    state["workshop"]["focus"] = data["item"]


def confidence_changed(state, data, me):
    check = data["confidence"]
    state["workshop"]["confidence"] = check
    if "score" in data:
        state["me"]["confidence"] = data["score"]  # my own answer, sent to me alone
    elif not check["open"] or check["answers"] == 0:
        state["me"]["confidence"] = None  # closed, or a fresh check that nobody has answered


# Members


def member_ready(state, data, me):
    _member(state, data["member"])["ready"] = data["ready"]


def member_joined(state, data, me):
    state["members"].append({**data["member"], "used": 0})


def member_changed(state, data, me):
    _member(state, data["member"]["id"]).update(data["member"])
    if data["member"]["id"] == me:
        state["me"]["role"] = data["member"]["role"]


def member_removed(state, data, me):
    state["members"] = [member for member in state["members"] if member["id"] != data["member"]]


HANDLERS = {
    "item.added": item_added,
    "item.edited": item_edited,
    "item.moved": item_moved,
    "item.deleted": item_deleted,
    "item.owners": item_owners,
    "item.status": item_status,
    "item.estimated": item_estimated,
    "item.stacked": item_stacked,
    "items.revealed": items_revealed,
    "planning.changed": planning_changed,
    "item.progress": item_progress,
    "item.helpers": item_helpers,
    "checkin.recorded": checkin_recorded,
    "vote.changed": vote_changed,
    "votes.revealed": votes_revealed,
    "lane.added": lane_added,
    "lane.renamed": lane_renamed,
    "lane.moved": lane_moved,
    "lane.deleted": lane_deleted,
    "phase.changed": phase_changed,
    "goal.edited": goal_edited,
    "timer.changed": timer_changed,
    "walk.focused": walk_focused,
    "agenda.changed": agenda_changed,
    "agenda.stepped": agenda_stepped,
    "confidence.changed": confidence_changed,
    "member.ready": member_ready,
    "member.joined": member_joined,
    "member.changed": member_changed,
    "member.removed": member_removed,
}
