"""The four kinds (protocol §9): who gets each, on which reason, exactly once, and what it says."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from goals.models import Member, Phase, Role
from goals.return_links import link_create
from jobs import log, tick
from mail import kinds
from mail.models import Mail
from planning.models import HelpOffer
from tests.mail.conftest import SITE, at, browser_of, confirmed, drain, parts
from tests.planning.helpers import add_item, agree, send, set_phase

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(workshop, leader, facilitator, member, observer, join):
    """Everyone with a confirmed address; `helper` is a second member who owns nothing."""
    helper = join(Role.MEMBER, "Hal")
    for person in (leader, facilitator, member, observer, helper):
        confirmed(person)
    return {"leader": leader, "facilitator": facilitator, "member": member, "observer": observer, "helper": helper}


def address(member: Member) -> str:
    return f"m{member.id}@example.org"


def kinds_to(smtp, member: Member) -> list[str]:
    return sorted(message["Subject"].split(":")[0] for message in smtp.to(address(member)))


def test_commitments_go_once_per_agreement_to_each_owner_with_their_items(smtp, workshop, team):
    member, leader = team["member"], team["leader"]
    first = add_item(workshop, member, title="Write the welcome mail", due="2026-12-20")
    second = add_item(workshop, member, title="Record the demo")
    third = add_item(workshop, leader, title="Book the room", due="2026-12-18")
    agree(workshop, leader, {first: member, second: member, third: leader})
    drain()
    (mail,) = smtp.to(address(member))
    assert mail["Subject"] == f"Your part of the plan: {workshop.title} (version 1)"
    text, _html = parts(mail)
    assert "Write the welcome mail" in text
    assert "Record the demo" in text
    assert "Book the room" not in text
    assert "Sun 20 Dec 2026" in text
    assert "No due date" in text
    assert text.index("Write the welcome mail") < text.index("Record the demo"), "dated items first"
    assert f"{SITE}/w/{workshop.id}/mine/" in text
    assert mail["List-Unsubscribe"].strip().startswith(f"<{SITE}/mail/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<[0-9a-f]{32}@rallypoint\.example\.org>", mail["Message-ID"])
    assert "Book the room" in parts(smtp.to(address(leader))[0])[0]
    assert smtp.to(address(team["helper"])) == []
    assert smtp.to(address(team["observer"])) == []

    # The reader running again (a second job, a second worker) sends nothing more.
    log.read_log.enqueue(kinds.READER, workshop.id, 0)
    tick.run_periodic()
    drain()
    assert len(smtp.to(address(member))) == 1

    # A reopen and a new agreement: version 2, once more.
    send(workshop, leader, "phase.set", phase="plan")
    send(workshop, leader, "phase.set", phase="agreed")
    drain()
    assert [m["Subject"].rsplit("(", 1)[1] for m in smtp.to(address(member))] == ["version 1)", "version 2)"]


def test_a_guests_commitments_mail_signs_them_in_without_revoking_their_return_link(smtp, workshop, team):
    member, leader = team["member"], team["leader"]
    return_link = link_create(member=member, session=None)
    item = add_item(workshop, member, title="Write the welcome mail")
    leaders = add_item(workshop, leader, title="Book the room")
    agree(workshop, leader, {item: member, leaders: leader})
    drain()
    text, html = parts(smtp.to(address(member))[0])
    found = re.search(re.escape(SITE) + r"(/mail/in/[A-Za-z0-9_-]+/)", text)
    assert found
    assert found.group(1) in html
    phone = Client()
    response = phone.get(found.group(1))
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.id}/mine/"
    assert b"Write the welcome mail" in phone.get(f"/w/{workshop.id}/mine/").content
    assert phone.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == member.id
    # The return link they hold still works, and still is theirs.
    member.refresh_from_db()
    assert member.return_link_hash is not None
    laptop = Client()
    assert laptop.get(f"/back/{return_link}/").status_code == 302
    assert laptop.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == member.id
    # An account's mail has no sign-in link: accounts log in.
    assert "/mail/in/" not in parts(smtp.to(address(leader))[0])[0]
    # An unknown link opens nothing; an old one neither.
    assert Client().get("/mail/in/" + "x" * 43 + "/").status_code == 404
    with at(datetime.now(UTC) + timedelta(days=31)):
        assert Client().get(found.group(1)).status_code == 404


def reminders(smtp) -> list:
    """What the reminder tests look at: the tick also sends the leader's weekly digest."""
    return [message for message in smtp.received if not message["Subject"].startswith("Weekly")]


def reminders_on(day: date) -> int:
    with at(datetime(day.year, day.month, day.day, 9, tzinfo=UTC)):
        tick.run_periodic()
        return drain()


def test_reminders_go_before_and_after_the_due_date_and_not_for_done_items(smtp, workshop, team, settings):
    settings.REMINDER_DAYS = 2
    member, leader = team["member"], team["leader"]
    due = date(2026, 12, 20)
    first = add_item(workshop, member, title="Write the welcome mail", due=due.isoformat())
    second = add_item(workshop, member, title="Record the demo", due=due.isoformat())
    agree(workshop, leader, {first: member, second: member})
    drain()
    smtp.clear()
    reminders_on(date(2026, 12, 17))
    assert reminders(smtp) == []
    reminders_on(date(2026, 12, 18))
    reminders_on(date(2026, 12, 18))  # the tick runs every 30 s: once a reason
    got = smtp.to(address(member))
    assert sorted(m["Subject"] for m in got) == [
        "Due in 2 days: Record the demo",
        "Due in 2 days: Write the welcome mail",
    ]
    assert {m["List-Unsubscribe-Post"] for m in got} == {"List-Unsubscribe=One-Click"}
    assert set(Mail.objects.filter(kind="reminders").values_list("reason", flat=True)) == {
        f"item{first}:2026-12-20:before",
        f"item{second}:2026-12-20:before",
    }
    send(workshop, member, "item.progress", item=second, state="done")
    smtp.clear()
    for day in (19, 20):
        reminders_on(date(2026, 12, day))
    assert reminders(smtp) == []
    reminders_on(date(2026, 12, 21))
    (after,) = smtp.to(address(member))
    assert after["Subject"] == "Was due yesterday: Write the welcome mail"
    reminders_on(date(2026, 12, 22))
    assert len(reminders(smtp)) == 1
    assert [m["Subject"] for m in smtp.to(address(team["helper"]))] == []


def test_rally_goes_to_everyone_but_owners_and_observers_each_time_an_item_turns_blocked(smtp, workshop, team):
    member, leader = team["member"], team["leader"]
    item = add_item(workshop, member, title="Write the welcome mail")
    agree(workshop, leader, {item: member})
    drain()
    smtp.clear()
    send(workshop, member, "item.progress", item=item, state="blocked", note="Waiting on legal")
    send(workshop, member, "item.progress", item=item, state="blocked", note="Still waiting")  # blocked → blocked
    drain()
    for person in ("leader", "facilitator", "helper"):
        (mail,) = smtp.to(address(team[person]))
        assert mail["Subject"] == "Blocked: Write the welcome mail · can you help?"
        text, _ = parts(mail)
        assert "Waiting on legal" in text
        assert f"{SITE}/w/{workshop.id}/help/{item}/" in text
    assert smtp.to(address(member)) == []
    assert smtp.to(address(team["observer"])) == []
    send(workshop, member, "item.progress", item=item, state="at_risk")
    send(workshop, member, "item.progress", item=item, state="blocked", note="Legal said no")
    drain()
    assert len(smtp.to(address(team["helper"]))) == 2
    log.read_log.enqueue(kinds.READER, workshop.id, 0)
    drain()
    assert len(smtp.to(address(team["helper"]))) == 2


def test_the_help_page_offers_help_with_a_button(smtp, workshop, team):
    member, leader, helper = team["member"], team["leader"], team["helper"]
    item = add_item(workshop, member, title="Write the welcome mail")
    agree(workshop, leader, {item: member})
    send(workshop, member, "item.progress", item=item, state="blocked", note="Waiting on legal")
    browser = browser_of(helper)
    page = browser.get(f"/w/{workshop.id}/help/{item}/")
    assert page.status_code == 200
    assert b"Offer help" in page.content
    assert b"Waiting on legal" in page.content
    assert not HelpOffer.objects.exists(), "a GET offers nothing"
    response = browser.post(f"/w/{workshop.id}/help/{item}/", {"note": "I know the lawyer"})
    assert response.status_code == 303
    offer = HelpOffer.objects.get()
    assert (offer.member_id, offer.note) == (helper.id, "I know the lawyer")
    assert Client().get(f"/w/{workshop.id}/help/{item}/").status_code == 404
    assert browser_of(team["observer"]).post(f"/w/{workshop.id}/help/{item}/").status_code == 403
    assert browser.get(f"/w/{workshop.id}/help/999999/").status_code == 404


def test_the_weekly_digest_goes_to_the_leader_and_facilitators_with_its_counts(smtp, workshop, team):
    member, leader, facilitator = team["member"], team["leader"], team["facilitator"]
    start = datetime(2026, 12, 14, 8, tzinfo=UTC)  # a Monday
    with at(start - timedelta(days=3)):
        ids = [add_item(workshop, member, title=f"Item {n}", due="2026-12-10" if n == 0 else None) for n in range(5)]
        agree(workshop, leader, dict.fromkeys(ids, member))
        drain()
        send(workshop, member, "item.progress", item=ids[1], state="blocked", note="No budget")
        send(workshop, member, "item.progress", item=ids[2], state="at_risk")
        send(workshop, member, "item.progress", item=ids[3], state="done")
        send(workshop, team["helper"], "item.help", item=ids[1], offer=True, note="I can ask finance")
        send(workshop, facilitator, "checkin.record", note="Week one")
        drain()
    smtp.clear()
    with at(start):
        tick.run_periodic()
        tick.run_periodic()
        drain()
    for person in (leader, facilitator):
        (mail,) = smtp.to(address(person))
        assert mail["Subject"] == f"Weekly digest: {workshop.title}"
        text, _html = parts(mail)
        for line in ("On track: 0", "At risk: 1", "Blocked: 1", "Done: 1", "No progress yet: 2", "Overdue: 1"):
            assert line in text, line
        assert "1 offer of help, 1 check-in" in text
        assert "No budget" in text
        assert "I can ask finance" in text
        assert "Week one" in text
    assert smtp.to(address(member)) == []
    assert smtp.to(address(team["helper"])) == []
    assert set(Mail.objects.filter(kind="digest").values_list("reason", flat=True)) == {"2026-W51"}
    with at(start + timedelta(days=3)):
        tick.run_periodic()
        drain()
    assert len(smtp.to(address(leader))) == 1
    with at(start + timedelta(days=7)):
        tick.run_periodic()
        drain()
    second = smtp.to(address(leader))[1]
    assert "0 offers of help, 0 check-ins" in parts(second)[0]


HOSTILE = '<script>alert(1)</script> =cmd|" /C calc"!A0 & <b>'


def test_hostile_text_is_escaped_in_html_and_as_typed_in_text(smtp, workshop, team):
    member, leader = team["member"], team["leader"]
    send(workshop, member, "member.rename", name="<img src=x onerror=alert(1)>")
    item = add_item(workshop, member, title=HOSTILE)
    agree(workshop, leader, {item: member})
    send(workshop, member, "item.progress", item=item, state="blocked", note=HOSTILE)
    drain()
    text, html = parts(smtp.to(address(member))[0])
    assert HOSTILE in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=cmd|" in html
    rally = smtp.to(address(team["helper"]))[0]
    assert rally["Subject"].strip() == f"Blocked: {HOSTILE} · can you help?"
    text, html = parts(rally)
    assert text.count(HOSTILE) == 2
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


def test_nothing_for_a_workshop_not_agreed(smtp, workshop, team):
    set_phase(workshop, Phase.PLAN)
    add_item(workshop, team["member"], title="An idea", due=date.today().isoformat())
    tick.run_periodic()
    drain()
    assert smtp.received == []
