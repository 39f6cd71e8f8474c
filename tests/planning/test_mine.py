"""My commitments (protocol §7): `/w/<id>/mine/`, and "Your commitments" on the landing page.

Progress posted from the page goes through the `item.progress` op: it shows in the snapshot
and in the event log exactly as a socket's frame would. Refusals are said on the page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from goals.models import Role
from live.models import Event
from planning.models import Item
from planning.snapshot import build_snapshot
from room.members import member_remove
from room.workshops import workshop_create
from tests.planning.helpers import add_item, lanes_of, send
from tests.planning.ws import session_cookie

pytestmark = pytest.mark.django_db

STATES = ("on_track", "at_risk", "blocked", "done")


def browser_of(member) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(member)
    return client


def commitment_ids(response) -> list[int]:
    return [int(found) for found in re.findall(rb'data-commitment="(\d+)"', response.content)]


def agree(workshop, leader, owned: dict) -> dict[str, int]:
    """A plan with `owned` {title: (owner, due or None)} accepted and agreed; returns title -> id."""
    send(workshop, leader, "phase.set", phase="plan")
    ids = {}
    for title, (owner, due) in owned.items():
        fields = {"due": due.isoformat()} if due else {}
        ids[title] = add_item(workshop, leader, lanes_of(workshop)[1], title=title, **fields)
        send(workshop, leader, "item.assign", item=ids[title], member=owner.id)
        send(workshop, leader, "item.status", item=ids[title], status="accepted")
    send(workshop, leader, "phase.set", phase="agreed")
    return ids


@pytest.fixture
def plan(room):
    today = timezone.localdate()
    ids = agree(
        room.workshop,
        room.leader,
        {
            "Fix the CSV import": (room.member, today + timedelta(days=3)),
            "Interview five customers": (room.member, today - timedelta(days=2)),
            "Write the help page": (room.target, None),
        },
    )
    send(room.workshop, room.target, "item.help", item=ids["Fix the CSV import"], offer=True, note="I wrote the parser")
    return ids


def report(client, workshop, item, state, note=None):
    data = {"item": item, "state": state}
    if note is not None:
        data["note"] = note
    return client.post(f"/w/{workshop.id}/mine/", data)


def test_the_page_lists_my_accepted_items_with_due_dates_progress_and_helpers(room, plan):
    response = browser_of(room.member).get(f"/w/{room.workshop.id}/mine/")

    assert response.status_code == 200
    assert commitment_ids(response) == [plan["Interview five customers"], plan["Fix the CSV import"]]  # by due
    page = response.content.decode()
    assert escape(room.workshop.title) in page
    due = timezone.localdate() + timedelta(days=3)
    assert f'Due <time datetime="{due.isoformat()}">{due.day} {due:%b %Y}</time>' in page  # "5 Dec 2026"
    assert page.count("<strong>overdue</strong>") == 1
    assert page.count('class="lane-tag">Next<') == 2
    assert "Tess (I wrote the parser)" in page  # the helper, and how they can help
    assert f'data-commitment="{plan["Fix the CSV import"]}" data-progress="none"' in page
    for state in STATES:
        assert page.count(f'name="state" value="{state}"') == 2
    assert page.count('name="note"') == 2
    assert 'maxlength="500"' in page
    assert "Write the help page" not in page, "someone else's item"


def test_reporting_goes_through_the_op_and_redirects_back(room, plan):
    item = plan["Fix the CSV import"]
    client = browser_of(room.member)
    before = Event.objects.filter(workshop_id=room.workshop.id).count()

    response = report(client, room.workshop, item, "blocked", "Waiting for the export format")

    assert response.status_code == 303
    assert response["Location"] == f"/w/{room.workshop.id}/mine/"
    progress = next(i for i in build_snapshot(room.workshop.id, room.leader.id)["items"] if i["id"] == item)["progress"]
    assert progress["state"] == "blocked"
    assert progress["note"] == "Waiting for the export format"
    assert progress["by"] == room.member.id
    events = list(Event.objects.filter(workshop_id=room.workshop.id).order_by("seq"))
    assert len(events) == before + 1
    assert events[-1].name == "item.progress"
    assert events[-1].actor_id == room.member.id
    assert events[-1].ref, "the page's op carries a ref of its own"
    page = client.get(response["Location"])
    assert f'data-commitment="{item}" data-progress="blocked"' in page.content.decode()
    assert b"Saved: Blocked." in page.content
    assert b"Waiting for the export format" in page.content
    assert escape(room.member.name).encode() in page.content


def test_a_member_cannot_report_on_someone_elses_item(room, plan):
    client = browser_of(room.member)
    item = plan["Write the help page"]

    response = report(client, room.workshop, item, "done")

    assert response.status_code == 403
    assert b"Only the item&#x27;s owners" in response.content
    assert Item.objects.get(pk=item).progress_state == ""


def test_a_wrong_state_is_said_on_the_page(room, plan):
    response = report(browser_of(room.member), room.workshop, plan["Fix the CSV import"], "finished", "kept")
    assert response.status_code == 400
    assert b"Pick how it is going" in response.content
    assert b">kept</textarea>" in response.content, "the note typed is kept"
    assert Item.objects.get(pk=plan["Fix the CSV import"]).progress_state == ""


@pytest.mark.parametrize("item", ["", "abc", "-3"])
def test_a_missing_item_is_said_on_the_page(room, plan, item):
    response = report(browser_of(room.member), room.workshop, item, "done")
    assert response.status_code == 400
    assert b"Choose one of your items" in response.content


@pytest.mark.parametrize(
    "typed", ["²", "¹", "①", "٣", "３", "1e3", "5.0", "+1", " 1", "1_0", "-0", "9" * 19, "9" * 5000, "\x00"]
)
def test_an_item_that_is_no_number_in_ascii_digits_is_said_on_the_page(room, plan, typed):
    """`str.isdigit()` takes "²" and "①", which `int()` refuses; `int()` takes "٣" and "+1". Neither
    is an item id: the page says so, and nothing changes."""
    before = Event.objects.filter(workshop=room.workshop).count()
    response = report(browser_of(room.member), room.workshop, typed, "done")
    assert response.status_code == 400
    assert b"Choose one of your items" in response.content
    assert Event.objects.filter(workshop=room.workshop).count() == before
    assert not Item.objects.filter(workshop=room.workshop).exclude(progress_state="").exists()


def test_an_item_of_another_workshop_is_not_found(room, plan, other_workshop):
    foreign = add_item(other_workshop, other_workshop.members.get(role=Role.LEADER))
    response = report(browser_of(room.member), room.workshop, foreign, "done")
    assert response.status_code == 400
    assert b"There is no such item" in response.content


def test_a_too_long_note_is_refused(room, plan):
    response = report(browser_of(room.member), room.workshop, plan["Fix the CSV import"], "done", "x" * 501)
    assert response.status_code == 400
    assert b"at most 500 characters" in response.content


def test_reporting_outside_the_agreed_plan_is_said_on_the_page(room, plan):
    send(room.workshop, room.leader, "phase.set", phase="plan")
    client = browser_of(room.member)

    response = report(client, room.workshop, plan["Fix the CSV import"], "done")

    assert response.status_code == 400
    assert b"Progress is reported on the agreed plan" in response.content
    page = client.get(f"/w/{room.workshop.id}/mine/").content.decode()
    assert "reopened" in page
    assert 'name="state"' not in page, "no buttons while the plan is reopened"
    assert len(commitment_ids(client.get(f"/w/{room.workshop.id}/mine/"))) == 2


def test_an_item_dropped_from_the_plan_is_no_commitment(room, plan):
    send(room.workshop, room.leader, "phase.set", phase="plan")
    send(room.workshop, room.leader, "item.status", item=plan["Fix the CSV import"], status="dropped")
    send(room.workshop, room.leader, "phase.set", phase="agreed")
    response = browser_of(room.member).get(f"/w/{room.workshop.id}/mine/")
    assert commitment_ids(response) == [plan["Interview five customers"]]
    response = report(browser_of(room.member), room.workshop, plan["Fix the CSV import"], "done")
    assert response.status_code == 400
    assert b"no longer an accepted part of the plan" in response.content


def test_before_the_first_agreement_the_page_says_so(room):
    response = browser_of(room.member).get(f"/w/{room.workshop.id}/mine/")
    assert response.status_code == 200
    assert b"The plan is not agreed yet" in response.content
    assert f'href="/w/{room.workshop.id}/"'.encode() in response.content
    assert commitment_ids(response) == []


def test_observers_get_the_page_with_nothing_to_report(room, plan):
    client = browser_of(room.observer)
    response = client.get(f"/w/{room.workshop.id}/mine/")
    assert response.status_code == 200
    assert b"You are watching this plan" in response.content
    assert commitment_ids(response) == []
    assert b"Open this on your phone" in response.content

    refused = report(client, room.workshop, plan["Fix the CSV import"], "done")
    assert refused.status_code == 403
    assert b"Observers do not report progress" in refused.content


def test_a_facilitator_reports_on_any_item_as_the_protocol_allows(room, plan):
    response = report(browser_of(room.facilitator), room.workshop, plan["Write the help page"], "at_risk")
    assert response.status_code == 303
    assert Item.objects.get(pk=plan["Write the help page"]).progress_state == "at_risk"


def test_outsiders_get_404_and_removed_members_410(room, plan, other_workshop, join):
    stranger = join(Role.MEMBER, "Stranger", other_workshop)
    for method in ("get", "post"):
        response = getattr(browser_of(stranger), method)(f"/w/{room.workshop.id}/mine/")
        assert response.status_code == 404
        assert escape(room.workshop.title).encode() not in response.content
    member_remove(workshop_id=room.workshop.id, actor_id=room.leader.id, member=room.target.id)
    assert browser_of(room.target).get(f"/w/{room.workshop.id}/mine/").status_code == 410


def test_the_page_needs_the_csrf_token(room, plan):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(room.member)
    item = plan["Fix the CSV import"]
    assert client.post(f"/w/{room.workshop.id}/mine/", {"item": item, "state": "done"}).status_code == 403
    page = client.get(f"/w/{room.workshop.id}/mine/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    response = client.post(
        f"/w/{room.workshop.id}/mine/", {"item": item, "state": "done", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303


# The return link's card: the link and its QR code in the answer to the POST, never behind a GET.


def test_the_card_makes_a_link_with_an_inline_qr_code_and_revokes_it(room, plan):
    client = browser_of(room.member)

    made = client.post(f"/w/{room.workshop.id}/mine/link/", {"action": "create"})

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    url = re.search(rb'id="return-link"[^>]* value="(http://testserver/back/[^"]+/)"', made.content).group(1).decode()
    assert b"<svg" in made.content
    assert b'data-copy="#return-link"' in made.content
    phone = Client()
    assert phone.get(url.removeprefix("http://testserver")).status_code == 302
    assert len(commitment_ids(phone.get(f"/w/{room.workshop.id}/mine/"))) == 2

    revoked = client.post(f"/w/{room.workshop.id}/mine/link/", {"action": "revoke"})

    assert revoked.status_code == 303
    assert b"revoked" in client.get(revoked["Location"]).content
    assert phone.get(f"/w/{room.workshop.id}/mine/").status_code == 404


def test_revoking_from_the_linked_browser_itself_sends_it_home(room, plan):
    made = browser_of(room.member).post(f"/w/{room.workshop.id}/mine/link/", {"action": "create"})
    url = re.search(rb"(/back/[^\"]+/)", made.content).group(1).decode()
    phone = Client()
    phone.get(url)
    assert b"This browser came in through your link" in phone.get(f"/w/{room.workshop.id}/mine/").content

    response = phone.post(f"/w/{room.workshop.id}/mine/link/", {"action": "revoke"})

    assert response.status_code == 303
    assert response["Location"] == "/"


def test_the_card_only_answers_posts(room):
    assert browser_of(room.member).get(f"/w/{room.workshop.id}/mine/link/").status_code == 405


# The landing page: "Your commitments" across workshops.


def test_the_landing_page_lists_commitments_across_workshops_in_a_fixed_number_of_queries(room, plan):
    user = get_user_model().objects.create_user(username="ann", password="a-long-password-9")
    client = Client()
    client.force_login(user)

    def landing():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        assert response.status_code == 200
        return response, len(queries)

    _, empty = landing()
    first = workshop_create(user=user, title="First goal", success_criteria=[])
    leader = first.members.get(role=Role.LEADER)
    ids = agree(first, leader, {"Book the venue": (leader, timezone.localdate() - timedelta(days=1))})
    response, one = landing()
    assert commitment_ids(response) == [ids["Book the venue"]]
    assert f'href="/w/{first.id}/mine/"'.encode() in response.content
    assert b"First goal" in response.content
    assert b"overdue" in response.content

    for number in range(3):
        workshop = workshop_create(user=user, title=f"Goal {number}", success_criteria=[])
        leader = workshop.members.get(role=Role.LEADER)
        agree(workshop, leader, {f"Step {number}.{n}": (leader, None) for n in range(3)})
    not_agreed = workshop_create(user=user, title="Still gathering", success_criteria=[])
    add_item(not_agreed, not_agreed.members.get(role=Role.LEADER), title="Not a commitment")
    response, many = landing()
    assert len(commitment_ids(response)) == 10
    assert b"Not a commitment" not in response.content
    assert many == one
    assert one <= empty + 1
