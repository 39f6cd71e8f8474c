"""Size limits of one workshop (protocol §4, `limit`)."""

from typing import Final

MAX_ITEMS: Final = 2000
MAX_LANES: Final = 20
MAX_MEMBERS: Final = 1000

TITLE_MAX: Final = 200
NOTES_MAX: Final = 4000
LANE_TITLE_MAX: Final = 80
NAME_MAX: Final = 40
WHY_MAX: Final = 2000
CRITERIA_MAX: Final = 20
CRITERION_MAX: Final = 200

VOTES_PER_MEMBER_MIN: Final = 1
VOTES_PER_MEMBER_MAX: Final = 20

# A countdown of 10 s to 2 h: shorter is no meeting step, longer no timebox.
TIMER_MIN_SECONDS: Final = 10
TIMER_MAX_SECONDS: Final = 2 * 60 * 60

# Open websockets of one member in one workshop. A person has a laptop, a phone and a few
# tabs; ten leaves room for that and for reconnects whose old socket has not closed yet,
# while one browser (or a script with a stolen cookie) cannot hold hundreds of sockets,
# each with its own presence row, heartbeat and database calls.
MAX_SOCKETS_PER_MEMBER: Final = 10

PROGRESS_NOTE_MAX: Final = 500
# How someone can help with an item: a line or two beside their name on the card, not a report.
HELP_NOTE_MAX: Final = 280
CHECKIN_NOTE_MAX: Final = 2000

# The facilitator's framework (protocol §8, §10).
AGENDA_STEPS_MAX: Final = 30
STEP_TITLE_MAX: Final = 80
STEP_MINUTES_MIN: Final = 1
STEP_MINUTES_MAX: Final = 180
STEP_INSTRUCTIONS_MAX: Final = 2000
CAPACITY_HOURS_MIN: Final = 1
CAPACITY_HOURS_MAX: Final = 100_000
