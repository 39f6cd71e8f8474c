"""The protocol's object shapes (§4 and §7), with the extensions in docs/decisions.md."""

SNAPSHOT_KEYS = {"type", "seq", "server_time", "me", "workshop", "lanes", "items", "members", "online"}
# The protocol's `me`, plus `confidence`: the viewer's own score in the open check (docs/decisions.md).
ME_KEYS = {"member", "role", "votes", "votes_left", "confidence"}  # me.confidence: decisions.md
WORKSHOP_KEYS = {
    "id",
    "title",
    "why",
    "success_criteria",
    "phase",
    "votes_per_member",
    "timer",
    "confidence",
    "plan_version",
    "agreed_at",
    "focus",  # the facilitator's current item in a walk, or null: decisions.md
    "checkins",  # §7
    "agenda",  # §8: the steps of the session
    "step",  # §8: the current step's index, or null
    "planning",  # §10: the settings, defaults filled in
    "load",  # §10: the estimates of the accepted items the viewer sees in full
}
CONFIDENCE_KEYS = {"open", "answers", "result"}
LANE_KEYS = {"id", "title"}
ITEM_KEYS = {
    "id",
    "lane",
    "position",
    "title",
    "notes",
    "due",
    "criterion",
    "status",
    "author",
    "owners",
    "votes",
    "version",
    "progress",  # §7: null, or PROGRESS_KEYS
    "helpers",  # §7
    "help_notes",  # §7: {member id: note} for the helpers who said how they can help
    "estimate",  # §10: hours, or null
    "stack",  # §10: the head it is stacked under, or null
}
HIDDEN_ITEM_KEYS = {"id", "lane", "position", "author", "stack", "hidden"}  # §10: face down
PROGRESS_KEYS = {"state", "note", "by", "at"}
CHECKIN_KEYS = {"number", "at", "by", "note", "counts"}
COUNT_KEYS = {"on_track", "at_risk", "blocked", "done", "none"}
# The protocol's member, plus `used`: everyone sees how many dots each member has used (§2, docs/decisions.md).
MEMBER_KEYS = {"id", "name", "role", "ready", "used"}  # `used`: decisions.md
EVENT_KEYS = {"type", "seq", "name", "actor", "ref", "data"}
ERROR_KEYS = {"type", "ref", "code", "message", "detail"}
