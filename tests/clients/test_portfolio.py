"""The portfolio (protocol §8): its JSON against seeded boards and a clock the test moves, its order,
its fixed number of queries, the CSV and the page."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.colleagues import colleague_add, workshop_client_set
from clients.portfolio import CSV_COLUMNS
from goals.models import Member, Phase, Role, Workshop
from planning.models import CheckIn, HelpOffer, ItemStatus, Ownership
from room.workshops import workshop_create
from tests.goals.conftest import logged_in
from tests.planning.helpers import make_item

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def person(workshop, name):
    return Member.objects.create(workshop=workshop, name=name, role=Role.MEMBER, guest_key=f"key-{next(_keys)}")


def seed(user, title, items=(), *, client=None, checkins=()):
    """An agreed plan led by `user`: `items` are (title, progress state or "", due in days from
    today or None, owner names, helper names, status)."""
    workshop = workshop_create(user=user, title=title)
    leader = Member.objects.get(workshop=workshop, role=Role.LEADER)
    agreed_at = timezone.now() - timedelta(days=3)
    Workshop.objects.filter(pk=workshop.pk).update(phase=Phase.AGREED, plan_version=1, agreed_at=agreed_at)
    people = {}
    today = timezone.localdate()
    for entry in items:
        name, state, due, owners, helpers, *rest = entry
        status = rest[0] if rest else ItemStatus.ACCEPTED
        item = make_item(
            workshop,
            leader,
            title=name,
            status=status,
            progress_state=state,
            due=None if due is None else today + timedelta(days=due),
        )
        for who in owners:
            member = people.setdefault(who, person(workshop, who))
            Ownership.objects.create(workshop=workshop, item=item, member=member)
        for who in helpers:
            member = people.setdefault(who, person(workshop, who))
            HelpOffer.objects.create(workshop=workshop, item=item, member=member, offered_at=timezone.now())
    for number, at in enumerate(checkins, 1):
        CheckIn.objects.create(workshop=workshop, number=number, at=at, by=leader, counts={})
    if client is not None:
        workshop_client_set(workshop_id=workshop.id, member=leader, client_id=client.id)
    workshop.refresh_from_db()
    return workshop


def portfolio_of(user):
    response = logged_in(user).get("/api/portfolio")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    return response.json()


def test_a_workshop_as_the_portfolio_shows_it(alice, acme, clock):
    checked = timezone.now() - timedelta(days=1)
    plan = seed(
        alice,
        "Launch the Acme portal",
        [
            ("Design review", "done", -5, ["Noor"], []),
            ("Data export", "blocked", 1, ["Mia", "Noor"], ["Sam"]),
            ("Write the docs", "at_risk", None, ["Mia"], []),
            ("Migrate accounts", "at_risk", 3, [], ["Noor", "Mia"]),
            ("Train support", "", 2, ["Sam"], []),
            ("Onboard pilots", "on_track", 0, ["Sam"], []),
            ("Maybe later", "", -9, [], [], ItemStatus.PROPOSED),
        ],
        client=acme,
        checkins=[checked - timedelta(days=7), checked],
    )
    items = {item.title: item.id for item in plan.items.all()}
    data = portfolio_of(alice)
    assert data == {
        "clients": [
            {
                "id": acme.id,
                "name": "Acme",
                "workshops": [
                    {
                        "id": plan.id,
                        "title": "Launch the Acme portal",
                        "url": f"/w/{plan.id}/",
                        "phase": "agreed",
                        "plan_version": 1,
                        "agreed_at": plan.agreed_at.isoformat(),
                        "accepted": 6,
                        "progress": {"on_track": 1, "at_risk": 2, "blocked": 1, "done": 1, "none": 1},
                        "overdue": 0,
                        "last_checkin": checked.isoformat(),
                        "attention": [
                            {
                                "item": items["Data export"],
                                "title": "Data export",
                                "state": "blocked",
                                "due": (timezone.localdate() + timedelta(days=1)).isoformat(),
                                "owners": ["Mia", "Noor"],
                                "helpers": ["Sam"],
                            },
                            {
                                "item": items["Migrate accounts"],
                                "title": "Migrate accounts",
                                "state": "at_risk",
                                "due": (timezone.localdate() + timedelta(days=3)).isoformat(),
                                "owners": [],
                                "helpers": ["Noor", "Mia"],
                            },
                            {
                                "item": items["Write the docs"],
                                "title": "Write the docs",
                                "state": "at_risk",
                                "due": None,
                                "owners": ["Mia"],
                                "helpers": [],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    # Due today is not overdue. Three days on: the blocked item (due tomorrow), the unreported one (in
    # two days) and the one on track (today) are; the one due in three days is not yet, and neither
    # the done one, long past due, nor the proposed one ever are.
    clock(days=3)
    assert portfolio_of(alice)["clients"][0]["workshops"][0]["overdue"] == 3


def test_within_a_client_those_that_need_attention_most_come_first(alice, bob, acme):
    calm = seed(alice, "A calm plan", [("Steady", "on_track", 9, [], [])], client=acme)
    risky = seed(alice, "B risky", [("Wobbly", "at_risk", 9, [], []), ("Also", "at_risk", 9, [], [])], client=acme)
    late = seed(alice, "C late", [("Slipped", "on_track", -1, [], []), ("Too", "", -2, [], [])], client=acme)
    stuck = seed(alice, "D stuck", [("Stuck", "blocked", 9, [], [])], client=acme)
    late_and_risky = seed(alice, "E late", [("Slipped", "at_risk", -1, [], []), ("x", "", -1, [], [])], client=acme)
    alone = seed(alice, "Without a client", [("Stuck", "blocked", 9, [], [])])
    assert [(group["id"], [w["id"] for w in group["workshops"]]) for group in portfolio_of(alice)["clients"]] == [
        (acme.id, [stuck.id, late_and_risky.id, late.id, risky.id, calm.id]),
        (None, [alone.id]),
    ]
    assert portfolio_of(alice)["clients"][1]["name"] == "No client"
    # Bob shares Acme: he sees its plans, not Alice's own.
    assert portfolio_of(bob) == {"clients": []}
    colleague_add(user=alice, client_id=acme.id, username="bob")
    shared = portfolio_of(bob)["clients"]
    assert [group["id"] for group in shared] == [acme.id]
    assert len(shared[0]["workshops"]) == 5


def test_clients_come_by_name_even_without_workshops_and_others_never_show(alice, bob, acme):
    from clients.colleagues import client_create

    client_create(user=alice, name="Zeta")
    client_create(user=alice, name="Beta")
    client_create(user=bob, name="Bob's own")
    seed(bob, "Bob's plan")
    assert [group["name"] for group in portfolio_of(alice)["clients"]] == ["Acme", "Beta", "Zeta"]
    assert [group["name"] for group in portfolio_of(bob)["clients"]] == ["Bob's own", "No client"]


def many(user, client, count):
    states = ["on_track", "at_risk", "blocked", "done", ""]
    for n in range(count):
        seed(
            user,
            f"Plan {n}",
            [(f"Item {i}", states[i % 5], i % 7 - 3, ["Mia", "Noor"][: i % 3], ["Sam"][: i % 2]) for i in range(25)],
            client=client if n % 2 else None,
            checkins=[timezone.now()],
        )


def test_the_portfolio_takes_the_same_queries_for_1_and_for_20_workshops(alice, bob, carol, acme):
    colleague_add(user=alice, client_id=acme.id, username="bob")
    many(carol, None, 1)
    many(bob, acme, 20)
    browsers = {who: logged_in(who) for who in (carol, bob)}
    counted = {}
    for who, browser in browsers.items():
        browser.get("/api/portfolio")  # the session and the user, once
        with CaptureQueriesContext(connection) as queries:
            response = browser.get("/api/portfolio")
        assert response.status_code == 200
        counted[who.username] = len(queries)
    assert sum(len(group["workshops"]) for group in portfolio_of(bob)["clients"]) == 20
    assert sum(len(group["workshops"]) for group in portfolio_of(carol)["clients"]) == 1
    assert counted["carol"] == counted["bob"], counted


def test_the_csv_has_a_row_per_workshop(alice, acme):
    seed(alice, "=cmd|' /C calc'!A0", [("Stuck", "blocked", 9, ["Mia"], [])], client=acme)
    seed(alice, "Plain", [])
    response = logged_in(alice).get("/portfolio.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="portfolio.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["client"] == "Acme"
    assert first["title"].startswith("'="), "never a formula"
    assert first["blocked"] == "1"
    assert first["attention"] == "Stuck (blocked)"
    assert first["url"].startswith("http://testserver/w/")
    assert dict(zip(rows[0], rows[2], strict=True))["client"] == ""
    assert Browser().get("/portfolio.csv").status_code == 302, "to the login page"


def test_the_page_links_each_plan_and_home_links_the_page(alice, bob, acme):
    plan = seed(alice, "Launch the Acme portal", [("Data export", "blocked", 1, ["Mia"], [])], client=acme)
    page = logged_in(alice).get("/portfolio/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/w/{plan.id}/"' in html
    assert "Data export" in html
    assert f'data-move-workshop="{plan.id}"' in html, "she leads it: she may move it"
    colleague_add(user=alice, client_id=acme.id, username="bob")
    assert f'data-move-workshop="{plan.id}"' not in logged_in(bob).get("/portfolio/").content.decode()
    assert Browser().get("/portfolio/").status_code == 302
    assert b'href="/portfolio/"' in logged_in(alice).get("/").content
    assert b'href="/portfolio/"' not in Browser().get("/").content


def test_the_portfolio_validates_against_the_openapi_description(alice, acme):
    from tests.workshop.test_openapi import check

    seed(alice, "Linked", [("Stuck", "blocked", 1, ["Mia"], ["Sam"])], client=acme, checkins=[timezone.now()])
    seed(alice, "Alone", [("Late", "at_risk", None, [], [])])
    body = check(logged_in(alice).get("/api/portfolio"), "/api/portfolio")
    assert [group["id"] for group in body["clients"]] == [acme.id, None]
