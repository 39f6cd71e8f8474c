"""Who may use which URL (protocol §3): every endpoint, tried by every kind of visitor.

The leader (an account), a facilitator, a member and an observer (guests, in their sessions),
a member of another workshop, a removed member and an anonymous visitor each request every
endpoint of the protocol's table (docs/protocol.md §3). Each request is allowed or refused
exactly as the table below, copied from the protocol, says: non-members
get 404 for /w/<id>/… and /api/w/<id>/…, members without the right role 403, visitors who are
not logged in are sent to the login page. A refusal, and any GET, changes nothing (every row
of every board table, and the accounts, compared before and after).

Where the protocol is silent: logging out is allowed to anyone (it only ends the caller's own
session; for a guest that is their membership on this browser); a removed person cannot join
again through a link, and the workshop's pages and its invite links answer them with a page
that says they were removed, 410, while its JSON API answers them 404 like any non-member
(docs/decisions.md); `GET /join/<token>/` sends a current member to the board. A return link
(`GET /back/<token>/`) is a bearer secret: whoever opens it goes to the board, as the link's member
unless their browser is a member of that workshop already. A calendar feed
(`GET /calendar/<token>.ics`) is one too: whoever holds it reads the member's due dates, with no
session. CSRF is not in
question here (tests/goals/test_csrf.py).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from calendars.feeds import feed_create
from calendars.models import CalendarFeed
from chat.models import ChatRoom
from clients.models import Client as ClientAccount
from frameworks.models import Template
from frameworks.validation import template_fields
from goals.invites import current_member_invite, invite_create, token_for
from goals.models import Member, Role, Workshop
from goals.return_links import link_create
from mail import tokens
from mail.addresses import address_set
from mail.sending import make_mail
from outbound import guard
from outbound.secrets import seal
from room.members import member_remove
from tests.goals.conftest import PASSWORD, make_user
from tests.planning.helpers import add_item, make_item, send
from tests.planning.test_authorization import everything
from webhooks.models import Delivery
from webhooks.models import Endpoint as Webhook

LEADER, FACILITATOR, MEMBER, OBSERVER = "leader", "facilitator", "member", "observer"
FOREIGN, REMOVED, ANONYMOUS = "another workshop's member", "removed member", "anonymous"
VISITORS = [LEADER, FACILITATOR, MEMBER, OBSERVER, FOREIGN, REMOVED, ANONYMOUS]

# The protocol's "who" column, and whom each of its words lets in. Only the leader has an
# account here; the others are guests, as people who join through a link are.
ANYONE, LOGGED_IN, MEMBERS, FACILITATORS = "anyone", "logged in", "members", "facilitators"
MAY = {
    ANYONE: set(VISITORS),
    LOGGED_IN: {LEADER},
    MEMBERS: {LEADER, FACILITATOR, MEMBER, OBSERVER},
    FACILITATORS: {LEADER, FACILITATOR},
}
NOT_MEMBERS = {FOREIGN, REMOVED, ANONYMOUS}

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Endpoint:
    method: str
    # {workshop}: the workshop's id; {token}: its member invite; {invite}: another invite;
    # {link}: the leader's return link; {feed}: the leader's calendar feed
    path: str
    who: str
    status: int  # when allowed
    form: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    # Visitors the protocol lets in but who are refused all the same, and with what (see the docstring).
    refused: dict[str, int] = field(default_factory=dict)


# A removed person is told so by the pages of the workshop and its invite links (docs/decisions.md).
REMOVED_PAGE = {REMOVED: 410}
# Before the first agreement, an export is the draft: facilitators' and the leader's only.
DRAFT_ONLY = {MEMBER: 403, OBSERVER: 403, **REMOVED_PAGE}


# The JSON API's answer to a visitor with no account: 403, never the login page.
API_ACCOUNT = {visitor: 403 for visitor in VISITORS if visitor != LEADER}
TEMPLATE = {
    "name": "Our way",
    "description": "",
    "lanes": ["Now", "Later"],
    "votes_per_member": 3,
    "goal_prompts": {"why": "", "criteria": []},
    "agenda": [{"title": "Gather", "phase": "gather", "minutes": 10, "instructions": "Write."}],
    "planning": {"estimates": False, "capacity_hours": None, "private_gather": False},
}

CHAT_URL = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstWXYZ"


def signup_form() -> dict[str, str]:
    return {"username": f"newcomer{next(_numbers)}", "password1": PASSWORD, "password2": PASSWORD}


ENDPOINTS = {
    "GET /": Endpoint("get", "/", ANYONE, 200),
    "GET /accounts/signup/": Endpoint("get", "/accounts/signup/", ANYONE, 200),
    "POST /accounts/signup/": Endpoint("post", "/accounts/signup/", ANYONE, 302, form={}),
    "GET /accounts/login/": Endpoint("get", "/accounts/login/", ANYONE, 200),
    "POST /accounts/login/": Endpoint("post", "/accounts/login/", ANYONE, 302, form={}),
    "POST /accounts/logout/": Endpoint("post", "/accounts/logout/", ANYONE, 302),
    "GET /workshops/new/": Endpoint("get", "/workshops/new/", LOGGED_IN, 200),
    "POST /workshops/new/": Endpoint(
        "post",
        "/workshops/new/",
        LOGGED_IN,
        302,
        form={"title": "Another goal", "why": "", "success_criteria": "", "votes_per_member": 5},
    ),
    "GET /w/<id>/": Endpoint("get", "/w/{workshop}/", MEMBERS, 200, refused=REMOVED_PAGE),
    "GET /join/<token>/": Endpoint("get", "/join/{token}/", ANYONE, 200, refused=REMOVED_PAGE),
    "POST /join/<token>/": Endpoint(
        "post", "/join/{token}/", ANYONE, 302, form={"display_name": "Newcomer"}, refused=REMOVED_PAGE
    ),
    "GET /api/w/<id>/state": Endpoint("get", "/api/w/{workshop}/state", MEMBERS, 200),
    # Protocol §10: the likely duplicates while gathering; observers stack nothing (403, as `item.stack`).
    "GET /api/w/<id>/duplicates": Endpoint(
        "get", "/api/w/{workshop}/duplicates", MEMBERS, 200, refused={OBSERVER: 403}
    ),
    "GET /api/w/<id>/invites": Endpoint("get", "/api/w/{workshop}/invites", FACILITATORS, 200),
    "POST /api/w/<id>/invites": Endpoint(
        "post", "/api/w/{workshop}/invites", FACILITATORS, 201, body={"role": "observer", "max_uses": 3}
    ),
    "DELETE /api/w/<id>/invites/<token>": Endpoint("delete", "/api/w/{workshop}/invites/{invite}", FACILITATORS, 204),
    # An invite's link as a QR code, for the board to show a room.
    "GET /api/w/<id>/invites/<token>/qr.svg": Endpoint(
        "get", "/api/w/{workshop}/invites/{invite}/qr.svg", FACILITATORS, 200
    ),
    # Nothing is agreed here yet: members and observers may export agreed versions only
    # (after an agreement: test_members_and_observers_export_once_a_version_is_agreed).
    "GET /w/<id>/export/plan.pdf": Endpoint("get", "/w/{workshop}/export/plan.pdf", MEMBERS, 200, refused=DRAFT_ONLY),
    "GET /w/<id>/export/plan.md": Endpoint("get", "/w/{workshop}/export/plan.md", MEMBERS, 200, refused=DRAFT_ONLY),
    "GET /w/<id>/export/plan.csv": Endpoint("get", "/w/{workshop}/export/plan.csv", MEMBERS, 200, refused=DRAFT_ONLY),
    # The agreed versions with their export links, for the client.
    "GET /api/w/<id>/plans": Endpoint("get", "/api/w/{workshop}/plans", MEMBERS, 200),
    # Protocol §7: the personal return link, and following one (anyone holding it; docs/decisions.md).
    "POST /api/w/<id>/me/link": Endpoint("post", "/api/w/{workshop}/me/link", MEMBERS, 201, body={}),
    "DELETE /api/w/<id>/me/link": Endpoint("delete", "/api/w/{workshop}/me/link", MEMBERS, 204),
    "GET /back/<token>/": Endpoint("get", "/back/{link}/", ANYONE, 302),
    # Protocol §7: My commitments. Nothing is agreed here, so reporting progress is refused on
    # the page (400: not in this phase), and observers, who report nothing, get 403.
    "GET /w/<id>/mine/": Endpoint("get", "/w/{workshop}/mine/", MEMBERS, 200, refused=REMOVED_PAGE),
    # Protocol §9: the page where facilitators add chat rooms and webhooks (docs/integrations.md).
    "GET /w/<id>/connections/": Endpoint("get", "/w/{workshop}/connections/", FACILITATORS, 200, refused=REMOVED_PAGE),
    "POST /w/<id>/mine/": Endpoint(
        "post",
        "/w/{workshop}/mine/",
        MEMBERS,
        400,
        form={"item": "1", "state": "done"},
        refused={OBSERVER: 403, **REMOVED_PAGE},
    ),
    # The page's "Open this on your phone" card (make or revoke the link).
    "POST /w/<id>/mine/link/": Endpoint(
        "post", "/w/{workshop}/mine/link/", MEMBERS, 200, form={"action": "create"}, refused=REMOVED_PAGE
    ),
    # Protocol §9: the member's calendar feed, and the feed itself (anyone holding its URL: a
    # calendar app has no session), and My commitments' calendar panel.
    "POST /api/w/<id>/me/calendar": Endpoint("post", "/api/w/{workshop}/me/calendar", MEMBERS, 201, body={}),
    "DELETE /api/w/<id>/me/calendar": Endpoint("delete", "/api/w/{workshop}/me/calendar", MEMBERS, 204),
    "GET /calendar/<token>.ics": Endpoint("get", "/calendar/{feed}.ics", ANYONE, 200),
    "POST /w/<id>/mine/calendar/": Endpoint(
        "post", "/w/{workshop}/mine/calendar/", MEMBERS, 303, form={"action": "create"}, refused=REMOVED_PAGE
    ),
    "GET /healthz": Endpoint("get", "/healthz", ANYONE, 200),
    # The OpenAPI description of the JSON API (docs/protocol.md §3): public.
    "GET /api/openapi.json": Endpoint("get", "/api/openapi.json", ANYONE, 200),
    # The icon, for pages that name none (a PDF in a tab).
    "GET /favicon.ico": Endpoint("get", "/favicon.ico", ANYONE, 301),
    # Protocol §8: templates, starting a workshop, clients and the portfolio. Only the leader has
    # an account here: the JSON API answers anyone else 403 (no login page for a script), and a
    # guest facilitator cannot keep a template (templates belong to accounts).
    "POST /api/workshops": Endpoint(
        "post", "/api/workshops", LOGGED_IN, 201, body={"title": "Scripted"}, refused=API_ACCOUNT
    ),
    "GET /templates/": Endpoint("get", "/templates/", LOGGED_IN, 200),
    "GET /templates/new/": Endpoint("get", "/templates/new/", LOGGED_IN, 200),
    "GET /templates/<tid>/edit/": Endpoint("get", "/templates/{template}/edit/", LOGGED_IN, 200),
    "GET /api/templates": Endpoint("get", "/api/templates", LOGGED_IN, 200, refused=API_ACCOUNT),
    "POST /api/templates": Endpoint("post", "/api/templates", LOGGED_IN, 201, body=TEMPLATE, refused=API_ACCOUNT),
    "GET /api/templates/<tid>": Endpoint("get", "/api/templates/{template}", LOGGED_IN, 200, refused=API_ACCOUNT),
    "PUT /api/templates/<tid>": Endpoint(
        "put", "/api/templates/{template}", LOGGED_IN, 200, body=TEMPLATE, refused=API_ACCOUNT
    ),
    "DELETE /api/templates/<tid>": Endpoint("delete", "/api/templates/{template}", LOGGED_IN, 204, refused=API_ACCOUNT),
    "POST /api/w/<id>/template": Endpoint(
        "post", "/api/w/{workshop}/template", FACILITATORS, 201, body={"name": "Ours"}, refused={FACILITATOR: 403}
    ),
    "GET /portfolio/": Endpoint("get", "/portfolio/", LOGGED_IN, 200),
    "GET /portfolio.csv": Endpoint("get", "/portfolio.csv", LOGGED_IN, 200),
    "GET /api/portfolio": Endpoint("get", "/api/portfolio", LOGGED_IN, 200, refused=API_ACCOUNT),
    "GET /api/clients": Endpoint("get", "/api/clients", LOGGED_IN, 200, refused=API_ACCOUNT),
    "POST /api/clients": Endpoint("post", "/api/clients", LOGGED_IN, 201, body={"name": "Acme"}, refused=API_ACCOUNT),
    "POST /api/clients/<cid>/colleagues": Endpoint(
        "post", "/api/clients/{client}/colleagues", LOGGED_IN, 201, body={"username": "{newcomer}"}, refused=API_ACCOUNT
    ),
    "DELETE /api/clients/<cid>/colleagues/<username>": Endpoint(
        "delete", "/api/clients/{client}/colleagues/{colleague}", LOGGED_IN, 204, refused=API_ACCOUNT
    ),
    # "the leader": a facilitator is refused like a member.
    "PUT /api/w/<id>/client": Endpoint(
        "put", "/api/w/{workshop}/client", FACILITATORS, 200, body={"client": "{client}"}, refused={FACILITATOR: 403}
    ),
    # Protocol §9: chat rooms, and their "send a test" (docs/integrations.md).
    "GET /api/w/<id>/chat": Endpoint("get", "/api/w/{workshop}/chat", FACILITATORS, 200),
    "POST /api/w/<id>/chat": Endpoint(
        "post", "/api/w/{workshop}/chat", FACILITATORS, 201, body={"kind": "slack", "url": CHAT_URL}
    ),
    "DELETE /api/w/<id>/chat/<cid>": Endpoint("delete", "/api/w/{workshop}/chat/{chat}", FACILITATORS, 204),
    "POST /api/w/<id>/chat/<cid>/test": Endpoint("post", "/api/w/{workshop}/chat/{chat}/test", FACILITATORS, 202),
    "GET /api/w/<id>/chat/<cid>/posts": Endpoint("get", "/api/w/{workshop}/chat/{chat}/posts", FACILITATORS, 200),
    # Protocol §9, Email (docs/integrations.md): the account's address; the links a mail carries,
    # opened by whoever holds them (a GET changes nothing; the button posts); the help page a
    # rally mail links to (nothing is agreed here, so offering is refused on the page: 400); the
    # mail card of "My commitments".
    "GET /accounts/settings/": Endpoint("get", "/accounts/settings/", LOGGED_IN, 200),
    "POST /accounts/settings/": Endpoint("post", "/accounts/settings/", LOGGED_IN, 303, form={"email": ""}),
    "GET /mail/confirm/<token>/": Endpoint("get", "/mail/confirm/{confirm}/", ANYONE, 200),
    "POST /mail/confirm/<token>/": Endpoint("post", "/mail/confirm/{confirm}/", ANYONE, 200, form={}),
    "GET /mail/unsubscribe/<token>/": Endpoint("get", "/mail/unsubscribe/{unsubscribe}/", ANYONE, 200),
    "POST /mail/unsubscribe/<token>/": Endpoint("post", "/mail/unsubscribe/{unsubscribe}/", ANYONE, 200, form={}),
    "GET /mail/in/<token>/": Endpoint("get", "/mail/in/{signin}/", ANYONE, 302),
    "GET /w/<id>/help/<item>/": Endpoint("get", "/w/{workshop}/help/{item}/", MEMBERS, 200, refused=REMOVED_PAGE),
    "POST /w/<id>/help/<item>/": Endpoint(
        "post", "/w/{workshop}/help/{item}/", MEMBERS, 400, form={"note": ""}, refused={OBSERVER: 403, **REMOVED_PAGE}
    ),
    "POST /w/<id>/mine/mail/": Endpoint(
        "post",
        "/w/{workshop}/mine/mail/",
        MEMBERS,
        303,
        form={"action": "kinds", "kinds": "rally"},
        refused=REMOVED_PAGE,
    ),
    # Protocol §9: webhooks. An address literal, so that checking the URL asks no DNS.
    "GET /api/w/<id>/webhooks": Endpoint("get", "/api/w/{workshop}/webhooks", FACILITATORS, 200),
    "POST /api/w/<id>/webhooks": Endpoint(
        "post",
        "/api/w/{workshop}/webhooks",
        FACILITATORS,
        201,
        body={"url": "https://93.184.216.34/in", "events": ["*"]},
    ),
    "DELETE /api/w/<id>/webhooks/<hid>": Endpoint("delete", "/api/w/{workshop}/webhooks/{hook}", FACILITATORS, 204),
    "POST /api/w/<id>/webhooks/<hid>/test": Endpoint(
        "post", "/api/w/{workshop}/webhooks/{hook}/test", FACILITATORS, 202, body={}
    ),
    "GET /api/w/<id>/webhooks/<hid>/deliveries": Endpoint(
        "get", "/api/w/{workshop}/webhooks/{hook}/deliveries", FACILITATORS, 200
    ),
    "POST /api/w/<id>/webhooks/<hid>/deliveries/<did>/retry": Endpoint(
        "post", "/api/w/{workshop}/webhooks/{hook}/deliveries/{delivery}/retry", FACILITATORS, 202, body={}
    ),
}


# Allowed requests that change the board or the accounts, and for whom (a member joining
# again stays one member; logging in and out change only sessions).
CHANGES = {
    "POST /accounts/signup/": set(VISITORS),
    "POST /workshops/new/": {LEADER},
    "POST /join/<token>/": {FOREIGN, ANONYMOUS},
    "POST /api/w/<id>/invites": {LEADER, FACILITATOR},
    "DELETE /api/w/<id>/invites/<token>": {LEADER, FACILITATOR},
    # A member's return link is a column of their row.
    "POST /api/w/<id>/me/link": {LEADER, FACILITATOR, MEMBER, OBSERVER},
    "POST /w/<id>/mine/link/": {LEADER, FACILITATOR, MEMBER, OBSERVER},
    # A calendar feed is a row of its own (calendars.models.CalendarFeed).
    "POST /api/w/<id>/me/calendar": {LEADER, FACILITATOR, MEMBER, OBSERVER},
    "POST /w/<id>/mine/calendar/": {LEADER, FACILITATOR, MEMBER, OBSERVER},
}


def expected_status(endpoint: Endpoint, visitor: str) -> int:
    if visitor in endpoint.refused:
        return endpoint.refused[visitor]
    if visitor in MAY[endpoint.who]:
        return endpoint.status
    if endpoint.who == LOGGED_IN:
        return 302  # to the login page
    return 404 if visitor in NOT_MEMBERS else 403


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """A chat room's host resolves to a public address without asking real DNS."""
    monkeypatch.setattr(guard, "resolver", lambda host, port: ["93.184.216.34"])


@pytest.fixture
def browser_of(guest, leader_client, workshop, leader, other_workshop):
    """The browser of each kind of visitor of `workshop`."""

    def make(visitor: str) -> Client:
        if visitor == LEADER:
            return leader_client
        if visitor == ANONYMOUS:
            return Client()
        if visitor == FOREIGN:
            return guest(Role.MEMBER, target=other_workshop)[0]
        if visitor == REMOVED:
            client, member = guest(Role.MEMBER, "Rex")
            member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
            return client
        return guest({FACILITATOR: Role.FACILITATOR, MEMBER: Role.MEMBER, OBSERVER: Role.OBSERVER}[visitor])[0]

    return make


def accounts() -> list[dict[str, Any]]:
    return list(get_user_model().objects.order_by("pk").values("pk", "username", "password", "is_active"))


def feeds() -> list[dict[str, Any]]:
    return list(CalendarFeed.objects.order_by("pk").values())


def prepared(endpoint: Endpoint, workshop: Workshop, leader) -> tuple[str, dict[str, Any]]:
    """The path and arguments of the request, with what it needs already in the database."""
    invite = invite_create(workshop=workshop, created_by=leader, role=Role.MEMBER)
    link = link_create(member=leader, session=None) if "{link}" in endpoint.path else ""
    feed = feed_create(member=leader) if "{feed}" in endpoint.path else ""
    wanted = endpoint.path + json.dumps(endpoint.body or {})
    names: dict[str, Any] = {
        "workshop": workshop.id,
        "token": token_for(current_member_invite(workshop)),
        "invite": token_for(invite),
        "link": link,
        "feed": feed,
    }
    # Templates, clients and accounts only for the requests that name them (§8's rows).
    if "{template}" in wanted:
        names["template"] = Template.objects.create(owner=leader.user, **template_fields(TEMPLATE)).id
    if "{client}" in wanted:
        client = ClientAccount.objects.create(name="Northwind", created_by=leader.user)
        colleague = make_user()
        client.colleagues.add(leader.user, colleague)
        names.update(client=client.id, colleague=colleague.username)
    if "{newcomer}" in wanted:
        names["newcomer"] = make_user().username
    if "{chat}" in wanted:
        names["chat"] = ChatRoom.objects.create(workshop=workshop, kind="slack", url_sealed=seal(CHAT_URL)).id
    names.update(mail_links(wanted, workshop, leader))
    if "{hook}" in wanted:
        hook = Webhook.objects.create(workshop=workshop, url="https://93.184.216.34/in", events=["*"], secret_sealed="")
        names["hook"] = hook.id
        names["delivery"] = Delivery.objects.create(
            endpoint=hook, message_id="msg_a", type="ping", body="{}"
        ).message_id
    path = endpoint.path.format(**names)
    if endpoint.body is not None:
        body = {
            key: (names[value[1:-1]] if isinstance(value, str) and value[1:-1] in names and value[0] == "{" else value)
            for key, value in endpoint.body.items()
        }
        return path, {"data": json.dumps(body), "content_type": "application/json"}
    form = endpoint.form
    if path == "/accounts/signup/" and form is not None:
        form = signup_form()
    elif path == "/accounts/login/" and form is not None:
        form = {"username": make_user().username, "password": PASSWORD}
    return path, {} if form is None else {"data": form}


def mail_links(wanted: str, workshop: Workshop, leader) -> dict[str, Any]:
    """The secrets of mail links (protocol §9), made only for the rows that name them."""
    names: dict[str, Any] = {}
    if "{confirm}" in wanted:
        address = address_set(user=leader.user, email="lead@example.org")
        names["confirm"] = tokens.derive(tokens.CONFIRM, address.confirm_nonce)
    if "{unsubscribe}" in wanted:
        names["unsubscribe"] = tokens.unsubscribe_token(leader.id, "rally")
    if "{signin}" in wanted:
        guest = Member.objects.create(workshop=workshop, name="Gus", role=Role.MEMBER, guest_key="gus-key")
        mail = make_mail(kind="commitments", member=guest, reason="v1", context={})
        names["signin"] = tokens.derive(tokens.SIGNIN, mail.nonce)
    if "{item}" in wanted:
        names["item"] = make_item(workshop, leader, title="Accepted", status="accepted").id
    return names


def test_the_table_covers_every_url():
    from workshop.urls import urlpatterns

    routed = {str(pattern.pattern) for pattern in urlpatterns}
    covered = {endpoint.path.lstrip("/") for endpoint in ENDPOINTS.values()}
    assert len(routed) == 54
    for route in routed:
        shape = route.replace("<str:workshop_id>", "{workshop}").replace("<str:token>", "{token}")
        shape = shape.replace("<str:tid>", "{template}").replace("<str:client_id>", "{client}")
        shape = shape.replace("<str:username>", "{colleague}").replace("<str:room_id>", "{chat}")
        shape = shape.replace("<str:hid>", "{hook}").replace("<str:did>", "{delivery}")
        shape = shape.replace("plan.<str:extension>", "plan.pdf")
        shape = shape.replace("<int:item_id>", "{item}")
        for secret in ("confirm", "unsubscribe"):
            if shape.startswith(f"mail/{secret}/"):
                shape = shape.replace("{token}", "{" + secret + "}")
        if shape.startswith("mail/in/"):
            shape = shape.replace("{token}", "{signin}")
        if shape.startswith("back/"):
            shape = shape.replace("{token}", "{link}")
        if shape.startswith("calendar/"):
            shape = shape.replace("{token}", "{feed}")
        if "invites/{token}" in shape:
            shape = shape.replace("invites/{token}", "invites/{invite}")
        assert shape in covered, route


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_each_url_is_allowed_or_refused_by_who_asks(workshop, leader, browser_of, name, visitor):
    endpoint = ENDPOINTS[name]
    client = browser_of(visitor)
    path, arguments = prepared(endpoint, workshop, leader)
    before = (everything(), accounts(), feeds())

    response = getattr(client, endpoint.method)(path, **arguments)

    status = expected_status(endpoint, visitor)
    if name == "GET /join/<token>/" and visitor in MAY[MEMBERS]:
        status = 302  # a member following the link again goes to the board
    assert response.status_code == status, (name, visitor, response.status_code)
    refused = status >= 400 or (endpoint.who == LOGGED_IN and visitor not in MAY[LOGGED_IN])
    changed = (everything(), accounts(), feeds()) != before
    if refused or endpoint.method == "get":
        assert not changed, f"{visitor}'s {name} changed something"
    elif name in CHANGES:
        assert changed == (visitor in CHANGES[name]), (
            f"{visitor}'s {name} changed {'something' if changed else 'nothing'}"
        )
    if refused and endpoint.who == LOGGED_IN and not path.startswith("/api/"):
        assert response["Location"].startswith("/accounts/login/")
    if status in (403, 404) and name.split(" ")[1].startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == {403: "forbidden", 404: "not_found"}[status]
    if status == 404:
        assert workshop.title.encode() not in response.content, "a refusal must not tell the workshop exists"
        assert workshop.id.encode() not in response.content
    if status == 302 and name == "POST /join/<token>/":
        assert response["Location"] == f"/w/{workshop.id}/"


EXPORTS = [name for name in ENDPOINTS if "/export/" in name or name.endswith("/plans")]


@pytest.mark.parametrize("visitor", VISITORS)
def test_members_and_observers_export_once_a_version_is_agreed(workshop, leader, browser_of, visitor):
    """Protocol §3: everyone in the workshop takes an agreed plan home, the latest or version N."""
    client = browser_of(visitor)
    send(workshop, leader, "phase.set", phase="plan")
    item = add_item(workshop, leader, title="Ship it")
    send(workshop, leader, "item.status", item=item, status="accepted")
    send(workshop, leader, "item.claim", item=item)
    send(workshop, leader, "phase.set", phase="agreed")
    allowed = 200 if visitor in MAY[MEMBERS] else REMOVED_PAGE.get(visitor, 404)
    for name in EXPORTS:
        path = ENDPOINTS[name].path.format(workshop=workshop.id)
        for query in ("", "?version=1"):
            response = client.get(path + query)
            expected = 404 if name.endswith("/plans") and allowed == 410 else allowed  # the API: 404
            assert response.status_code == expected, (name, query, visitor)
