"""Realistic boards for the browser tests, seeded through the domain operations.

A board with an empty goal and two items hides exactly what issue 12 is about: a three-line why,
three criteria, fifteen items of which some carry notes (one the 4,000-character maximum), due
dates and criteria, a vote with dots on it, a plan with owners, a dropped card and a closed
confidence check. `seed_board` builds that through the same operations a socket's frames go
through (`room.protocol.dispatch`, as tests/planning/helpers.py does), so the board is one the
product could really be in, with its event log and seq; then brings it to the phase asked for.

Sessions: the leader's through Django's test client (`force_login`), each guest's a session of
their own made by `member_join`, as the join page makes it. `log_in` puts a session cookie into a
Playwright browser context, which is much faster than signing up through the pages.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from goals.invites import current_member_invite, invite_create, token_for
from goals.members import member_join
from goals.models import Member, Role, Workshop
from planning.models import Lane
from room.protocol import dispatch
from room.workshops import workshop_create

from .pages import open_page, wait_live

T = TypeVar("T")

PHASES = ("gather", "vote", "plan", "agreed")
# The three screens: a laptop, a projector, a phone (width, height).
SIZES = {"1440x900": (1440, 900), "1920x1080": (1920, 1080), "390x844": (390, 844)}
# Issue 21's team: a facilitator's laptop and a tablet, beside the three above.
TEAM_SIZES = {"1280x800": (1280, 800), "820x1180": (820, 1180)}
PHONE_WIDTH = 760  # below this the board shows one lane at a time (docs: ui-hooks)

TITLE = "Ship the new onboarding by March"
WHY = (
    "New customers churn in their first week: 38% never finish setting up a project.\n"
    "Support spends a third of its time on the same five setup questions.\n"
    "Sales promised the March cohort a guided start, and the contracts renew in April."
)
CRITERIA = (
    "Activation above 60% for the March cohort",
    "Setup tickets halved",
    "Time to first project under 10 minutes",
)
SIX_LANES = ("Now", "Next", "Later", "Blocked", "Someday", "Parked")
LONG_NOTE_TITLE = "Write the onboarding research summary"

# Member names: two members who vote and own, and an observer who watches.
MIA, NOOR, OTTO = "Mia Okafor", "Noor Haddad", "Otto Lindqvist"

_refs = itertools.count(1)
_users = itertools.count(1)


def long_note(length: int = 4000) -> str:
    """A note of exactly `length` characters, in paragraphs, with an end that can be found."""
    paragraph = (
        "We interviewed twelve customers who left in their first week and eight who stayed. "
        "Those who left could not find where to start a project, did not see the templates, "
        "and gave up when the import asked for a CSV they did not have. "
    )
    end = "END-OF-NOTE."
    body = ""
    while len(body) < length - len(end):
        body += paragraph + ("\n\n" if len(body) % 3 == 0 else "")
    return body[: length - len(end)] + end


# (title, lane index in a three-lane board, notes, due in days or None, criterion index or None, author)
# Authors: "leader", MIA or NOOR. Fifteen in all: 6 Now, 5 Next, 4 Later.
ITEMS: tuple[tuple[str, int, str, int | None, int | None, str], ...] = (
    ("Interview churned customers", 0, "Five calls, recorded, with the support lead.", 7, 0, MIA),
    ("Guided first project", 0, "A checklist that opens on the first login.", 21, 0, "leader"),
    (LONG_NOTE_TITLE, 0, long_note(), 14, 2, NOOR),
    ("Template gallery on the empty state", 0, "", None, 2, MIA),
    ("Rewrite the welcome email", 0, "Shorter; one button; the video link.", 10, None, NOOR),
    ("Fix the CSV import errors", 0, "Half the setup tickets are this.", 5, 1, "leader"),
    ("In-app chat during setup", 1, "", None, 1, MIA),
    ("Sample data for new workspaces", 1, "So the board is never empty.", None, 2, NOOR),
    ("Setup help centre page", 1, "The five questions support answers every day.", 30, 1, "leader"),
    ("Activation dashboard", 1, "", 28, 0, MIA),
    ("Onboarding video, 90 seconds", 1, "Script first; record after the checklist ships.", None, None, NOOR),
    ("Progress bar in setup", 2, "", None, 2, "leader"),
    ("Invite teammates step", 2, "Teams who invite in week one stay.", None, 0, MIA),
    ("Localise onboarding (DE, FR)", 2, "", 60, None, NOOR),
    ("Customer success call for big accounts", 2, "Only above 50 seats.", None, None, "leader"),
)

# Dots in the vote: (voter, item title, dots). Tallies: 5, 4, 3, 2, 1 on distinct items.
VOTES: tuple[tuple[str, str, int], ...] = (
    (MIA, "Fix the CSV import errors", 3),
    (NOOR, "Fix the CSV import errors", 2),
    (MIA, "Guided first project", 2),
    (NOOR, "Guided first project", 1),
    ("leader", "Guided first project", 1),
    ("leader", "Interview churned customers", 3),
    (NOOR, "Template gallery on the empty state", 2),
    ("leader", "Activation dashboard", 1),
)
# The ranking the votes above must give, most dots first (then board order).
RANKING = (
    ("Fix the CSV import errors", 5),
    ("Guided first project", 4),
    ("Interview churned customers", 3),
    ("Template gallery on the empty state", 2),
    ("Activation dashboard", 1),
)
# In plan: accepted items and their owner; the dropped one.
ACCEPTED = (
    ("Fix the CSV import errors", MIA),
    ("Guided first project", NOOR),
    ("Interview churned customers", MIA),
    (LONG_NOTE_TITLE, NOOR),
)
DROPPED = "Customer success call for big accounts"
CONFIDENCE = ((MIA, 4), (NOOR, 3), ("leader", 4))


@dataclass
class Person:
    member_id: int
    name: str
    role: str
    session_key: str


@dataclass
class Board:
    """What a test needs of a seeded board."""

    workshop_id: str
    phase: str
    leader: Person
    people: dict[str, Person]  # by name: MIA, NOOR (members), OTTO (observer)
    lanes: list[tuple[int, str]]  # (id, title) in board order
    items: dict[str, int]  # title -> id
    long_note_item: int
    long_note: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"/w/{self.workshop_id}/"

    def url(self, base: str) -> str:
        return f"{base}{self.path}"

    @property
    def member(self) -> Person:
        """A plain member (the one to open on a phone)."""
        return self.people[MIA]

    @property
    def observer(self) -> Person:
        return self.people[OTTO]


def new_leader_user(prefix: str = "seedlead") -> AbstractBaseUser:
    """A leader account with no usable password: it is logged in by session, never by form."""
    user = get_user_model().objects.create_user(username=f"{prefix}{next(_users)}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def session_for(user: AbstractBaseUser) -> str:
    """A logged-in session key for `user`, as a login would make it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_in(context: BrowserContext, base: str, session_key: str) -> None:
    """Give a browser context the session cookie: it is that person from the next request on."""
    host = urlparse(base).hostname
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key,
                "domain": host,
                "path": "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def _join_guest(workshop: Workshop, name: str, role: str) -> Person:
    invite = current_member_invite(workshop) if role == Role.MEMBER else None
    invite = invite or invite_create(workshop=workshop, created_by=None, role=role)
    session = SessionStore()
    member = member_join(token=token_for(invite), name=name, user=None, session=session)
    session.save()
    return Person(member.id, member.name, member.role, session.session_key)


def op(workshop_id: str, actor: Person, name: str, **fields: Any) -> Any:
    """One op frame through `dispatch`, as a socket's frame goes; returns its Outcome."""
    _, outcome = dispatch(
        workshop_id=workshop_id, actor_id=actor.member_id, frame={"op": name, "ref": f"seed-{next(_refs)}", **fields}
    )
    return outcome


def in_thread(work: Callable[[], T]) -> T:
    """`work` on a thread of its own, with its own database connection, closed after.

    Ops run their after-commit broadcast; on the test's thread, where Playwright's event loop
    runs, that broadcast cannot run (`async_to_sync` refuses) and logs an error per change.
    Nobody listens to this process's channel layer (the browsers are on Daphne's), so the thread
    only keeps the path the same as a socket's, without the noise."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def seed_board(leader_user: AbstractBaseUser | None = None, phase: str = "gather", *, six_lanes: bool = False) -> Board:
    """`_seed_board` in a thread of its own (`in_thread`)."""
    return in_thread(lambda: _seed_board(leader_user, phase, six_lanes=six_lanes))


def _seed_board(leader_user: AbstractBaseUser | None, phase: str, *, six_lanes: bool) -> Board:
    """A workshop with the full goal, three guests and fifteen items, brought to `phase`.

    gather: the items. vote: and dots cast (tallies in RANKING). plan: revealed, ACCEPTED items
    accepted with their owners, DROPPED dropped, a confidence check answered and closed.
    agreed: and agreed (plan version 1).
    """
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    leader_user = leader_user or new_leader_user()
    workshop = workshop_create(user=leader_user, title=TITLE, why=WHY, success_criteria=list(CRITERIA))
    wid = workshop.id
    leader_member = Member.objects.get(workshop=workshop, role=Role.LEADER)
    leader = Person(leader_member.id, leader_member.name, Role.LEADER, session_for(leader_user))
    people = {
        MIA: _join_guest(workshop, MIA, Role.MEMBER),
        NOOR: _join_guest(workshop, NOOR, Role.MEMBER),
        OTTO: _join_guest(workshop, OTTO, Role.OBSERVER),
    }
    by_name = {"leader": leader, **people}

    if six_lanes:
        for title in SIX_LANES[3:]:
            op(wid, leader, "lane.add", title=title)
    lanes = list(Lane.objects.filter(workshop_id=wid).order_by("position", "id").values_list("id", "title"))

    today = date.today()
    items: dict[str, int] = {}
    for number, (title, lane_index, notes, due, criterion, author) in enumerate(ITEMS):
        # With six lanes the fifteen spread over all of them (3, 3, 3, 2, 2, 2).
        lane_id = lanes[(number * len(lanes)) // len(ITEMS)][0] if six_lanes else lanes[lane_index][0]
        fields: dict[str, Any] = {"lane": lane_id, "title": title}
        if notes:
            fields["notes"] = notes
        if due is not None:
            fields["due"] = (today + timedelta(days=due)).isoformat()
        if criterion is not None:
            fields["criterion"] = criterion
        outcome = op(wid, by_name[author], "item.add", **fields)
        items[title] = outcome.events[0].data["item"]["id"]

    board = Board(
        workshop_id=wid,
        phase="gather",
        leader=leader,
        people=people,
        lanes=lanes,
        items=items,
        long_note_item=items[LONG_NOTE_TITLE],
        long_note=ITEMS[2][2],
    )
    for step in PHASES[1 : PHASES.index(phase) + 1]:
        _STEPS[step](board, by_name)
        board.phase = step
    return board


def _to_vote(board: Board, by_name: dict[str, Person]) -> None:
    wid = board.workshop_id
    op(wid, board.leader, "phase.set", phase="vote")
    for voter, title, dots in VOTES:
        for _ in range(dots):
            op(wid, by_name[voter], "vote.cast", item=board.items[title])


def _to_plan(board: Board, by_name: dict[str, Person]) -> None:
    wid = board.workshop_id
    op(wid, board.leader, "phase.set", phase="plan")
    for title, owner in ACCEPTED:
        op(wid, by_name[owner], "item.claim", item=board.items[title])
        op(wid, board.leader, "item.status", item=board.items[title], status="accepted")
    op(wid, board.leader, "item.status", item=board.items[DROPPED], status="dropped")
    op(wid, board.leader, "confidence.open")
    for who, score in CONFIDENCE:
        op(wid, by_name[who], "confidence.answer", score=score)
    op(wid, board.leader, "confidence.close")


def _to_agreed(board: Board, by_name: dict[str, Person]) -> None:
    op(board.workshop_id, board.leader, "phase.set", phase="agreed")
    workshop = Workshop.objects.get(pk=board.workshop_id)
    assert workshop.phase == "agreed", workshop.phase
    board.extra["plan_version"] = 1


_STEPS = {"vote": _to_vote, "plan": _to_plan, "agreed": _to_agreed}


def advance(board: Board, phase: str) -> None:
    """Bring a seeded board on to a later `phase` through the same steps as `seed_board` (in a
    thread, for the same reason). Pages open on it hear nothing: reload them."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_advance_in_thread, board, phase).result()


def _advance_in_thread(board: Board, phase: str) -> None:
    try:
        by_name = {"leader": board.leader, **board.people}
        for step in PHASES[PHASES.index(board.phase) + 1 : PHASES.index(phase) + 1]:
            _STEPS[step](board, by_name)
            board.phase = step
    finally:
        connections.close_all()


def is_phone(size: str) -> bool:
    return {**SIZES, **TEAM_SIZES}[size][0] < PHONE_WIDTH


def open_board(browser: Browser, base: str, board: Board, person: Person, size: str, errors: list[str]) -> Page:
    """`person`'s live board in a browser context of their own at `size` (a phone is a touch device)."""
    width, height = {**SIZES, **TEAM_SIZES}[size]
    phone = is_phone(size)
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    log_in(context, base, person.session_key)
    page = open_page(context, errors)
    page.goto(board.url(base))
    wait_live(page)
    return page


Open = Callable[[Board, Person, str], Page]


@pytest.fixture
def open_as(browser: Browser, live_server: str) -> Iterator[Open]:
    """`open_as(board, person, size)`: that person's live board, each in a browser context of their
    own; all closed after the test, and uncaught script errors in any of them fail it."""
    pages: list[Page] = []
    errors: list[str] = []

    def opener(board: Board, person: Person, size: str) -> Page:
        page = open_board(browser, live_server, board, person, size, errors)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.context.close()
    assert not errors, f"script errors in the page: {errors}"


# --- after the agreement (protocol §7) --------------------------------------------------------------

# A plan some weeks on: (item title, who reports, state, note). Seeded after a first check-in with
# nothing reported and before a second one, so the history has two bars and "now" a third.
PROGRESS_WEEK_ONE: tuple[tuple[str, str, str, str], ...] = (
    ("Interview churned customers", MIA, "done", "Twelve calls, notes in the research folder."),
    ("Guided first project", NOOR, "on_track", "Checklist designs signed off."),
)
PROGRESS_NOW: tuple[tuple[str, str, str, str], ...] = (
    ("Fix the CSV import errors", MIA, "blocked", "Waiting on the data team's export fix (DATA-412)."),
    (LONG_NOTE_TITLE, NOOR, "at_risk", "Two interviews slipped to next week."),
)
CHECKIN_NOTES = ("Kick-off: the plan is agreed.", "Week one: interviews done, checklist on track.")


def seed_progress(board: Board, *, helper_on: str | None = LONG_NOTE_TITLE) -> None:
    """An agreed board some weeks on: two check-ins, then PROGRESS_NOW reported; the leader offers
    help on `helper_on` (the at-risk item by default), so the blocked one still needs help."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_progress_in_thread, board, helper_on).result()


def _progress_in_thread(board: Board, helper_on: str | None) -> None:
    try:
        by_name = {"leader": board.leader, **board.people}
        wid = board.workshop_id
        op(wid, board.leader, "checkin.record", note=CHECKIN_NOTES[0])
        for title, who, state, note in PROGRESS_WEEK_ONE:
            op(wid, by_name[who], "item.progress", item=board.items[title], state=state, note=note)
        op(wid, board.leader, "checkin.record", note=CHECKIN_NOTES[1])
        for title, who, state, note in PROGRESS_NOW:
            op(wid, by_name[who], "item.progress", item=board.items[title], state=state, note=note)
        if helper_on is not None:
            op(wid, board.leader, "item.help", item=board.items[helper_on], offer=True)
    finally:
        connections.close_all()
