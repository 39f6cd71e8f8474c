"""Hostile text typed into a board, as it leaves Rallypoint by every integration of protocol §9.

tests/planning/test_hostile_text.py holds the pages and exports to what was typed; this file holds
what is sent elsewhere. Each hostile string (markup, `</script>`, a spreadsheet formula, bidi
overrides, emoji, Slack's `<!channel>` and `@everyone`, markdown emphasis and a `javascript:` link,
text as long as a field takes) goes into every text a person types that an integration carries: the
workshop's title, a display name, an item's title and notes, a progress note, a check-in note, an
agenda step's title, and a webhook's description. Then the jobs run (`jobs.worker.run_due_jobs`)
and what reached the loopback receivers, the SMTP server and a calendar app is read back:

- a webhook body carries each text as the exact JSON string typed;
- a chat post reads as typed in its service's own escaping, and no typed text makes a mention, a
  link or markup there (tests/chat/test_posts.py holds one blocked post to one string; here every
  kind of post, to every string);
- a mail's HTML part, parsed as a browser would, has no element or attribute from the typed text,
  and its plain-text part and its Subject read as typed;
- the calendar feed, parsed by icalendar, gives the title and the workshop's goal back as typed;
- a webhook's description is stored and listed as typed.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from core import limits
from goals.models import Role
from jobs.worker import run_due_jobs
from tests.calendars.conftest import browser_of as calendar_browser
from tests.calendars.conftest import path_of
from tests.calendars.test_feed import unescaped
from tests.chat.conftest import KINDS, add_room
from tests.chat.receivers import receiver as chat_receiver
from tests.chat.test_posts import said, texts
from tests.goals.conftest import logged_in
from tests.mail.conftest import Smtp, confirmed, free_port, parts
from tests.planning.helpers import add_item, agree, send
from tests.planning.test_hostile_text import Parsed
from tests.webhooks.conftest import Receiver as WebhookReceiver
from webhooks.models import DESCRIPTION_MAX

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://rallypoint.example.org"

HOSTILE = [
    "<script>alert(1)</script>",
    '"></script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>',
    "=cmd|' /C calc'!A0",
    "\u202eevil.exe\u202c and \u2067rtl\u2069 שלום",
    "🚀 Launch 👩‍👩‍👧 ✅ e\u0301",
    "<!channel> <!here> <@U0123> @everyone @here @channel",
    "*x* _y_ ~z~ `c` [a](javascript:alert(1)) <javascript:alert(1)> ![i](https://evil.example/i.png)",
    "&lt;b&gt; &amp; \\*not\\* # heading | a | b |",
    "Long " + "word " * 1000,
]
LONG = len(HOSTILE) - 1


def fitted(typed: str, limit: int) -> str:
    """What a field of at most `limit` characters holds of `typed`, as the server stores it."""
    return typed[:limit].strip()


@pytest.fixture(params=range(len(HOSTILE)), ids=lambda n: f"hostile{n}")
def typed(request) -> str:
    return HOSTILE[request.param]


@pytest.fixture
def outside(settings):
    """Loopback receivers of webhooks, of each chat service, and of mail."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.SITE_URL = SITE
    smtp = Smtp(free_port())
    smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Rallypoint <rallypoint@example.org>"
    hooks = WebhookReceiver()
    with ExitStack() as stack:
        chats = {kind: stack.enter_context(chat_receiver(kind)) for kind in KINDS}
        yield type("Outside", (), {"hooks": hooks, "chats": chats, "smtp": smtp})
    hooks.close()
    smtp.stop()
    assert not hooks.forged, hooks.forged


@pytest.fixture
def sent(typed, outside, workshop, leader, join, leader_user):
    """A board whose every typed text holds `typed`, its integrations wired up, its jobs run."""
    client = logged_in(leader_user)
    base = f"/api/w/{workshop.id}"
    description = fitted(typed, DESCRIPTION_MAX)
    made = client.post(
        f"{base}/webhooks",
        json.dumps({"url": outside.hooks.url("/hook"), "events": ["*"], "description": description}),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    outside.hooks.secrets["/hook"] = made.json()["secret"]
    for kind in KINDS:
        add_room(client, workshop, kind, outside.chats[kind].url)
    member, helper = join(Role.MEMBER, "Mia"), join(Role.MEMBER, "Hal")
    for person in (leader, member, helper):
        confirmed(person)
    texts_typed = {
        "goal": fitted(typed, limits.TITLE_MAX),
        "name": fitted(typed, limits.NAME_MAX),
        "title": fitted(typed, limits.TITLE_MAX),
        "notes": fitted(typed, limits.NOTES_MAX),
        "progress": fitted(typed, limits.PROGRESS_NOTE_MAX),
        "checkin": fitted(typed, limits.CHECKIN_NOTE_MAX),
        "step": fitted(typed, limits.STEP_TITLE_MAX),
        "description": description,
    }
    send(workshop, leader, "goal.edit", title=texts_typed["goal"])
    send(workshop, member, "member.rename", name=texts_typed["name"])
    due = (date.today() + timedelta(days=10)).isoformat()
    item = add_item(workshop, member, title=texts_typed["title"], notes=texts_typed["notes"], due=due)
    agree(workshop, leader, {item: member})
    step = {"title": texts_typed["step"], "phase": "agreed", "minutes": 5, "instructions": ""}
    send(workshop, leader, "agenda.set", agenda=[step])
    send(workshop, leader, "agenda.step", index=0)
    send(workshop, member, "item.progress", item=item, state="blocked", note=texts_typed["progress"])
    send(workshop, leader, "checkin.record", note=texts_typed["checkin"])
    run_due_jobs()
    run_due_jobs()
    return type("Sent", (), {"typed": texts_typed, "client": client, "base": base, "member": member, "helper": helper})


def check_webhook_bodies(sent, outside, typed):
    bodies = [delivery["body"] for delivery in outside.hooks.received["/hook"]]
    assert bodies
    for delivery in outside.hooks.received["/hook"]:
        assert json.loads(delivery["raw"]) == delivery["body"]
    carried = {text for body in bodies for text in texts(body)}
    for field in ("goal", "name", "title", "notes", "progress", "checkin", "step"):
        assert sent.typed[field] in carried, f"{field}: {sent.typed[field][:60]!r} not carried as typed"
    by_type = {body["type"]: body for body in bodies}
    assert by_type["item.added"]["data"]["event"]["item"]["title"] == sent.typed["title"]
    assert by_type["item.added"]["data"]["event"]["item"]["notes"] == sent.typed["notes"]
    assert by_type["item.progress"]["data"]["actor"]["name"] == sent.typed["name"]
    assert by_type["item.progress"]["data"]["workshop"]["title"] == sent.typed["goal"]


def check_description(sent, outside, typed):
    listed = sent.client.get(f"{sent.base}/webhooks").json()["webhooks"]
    assert [hook["description"] for hook in listed] == [sent.typed["description"]]


# Chat: each service's own escaping

MARKDOWN_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(([^)]*)\)")
SLACK_LINK = re.compile(r"<([^|>]*)\|")


def urls_in(value: Any, key: str = "") -> list[str]:
    """Every value under a key naming a URL, at any depth."""
    if isinstance(value, dict):
        return [url for name, each in value.items() for url in urls_in(each, name)]
    if isinstance(value, list):
        return [url for each in value for url in urls_in(each, key)]
    return [value] if key in {"url", "image_url", "icon_url", "thumbnail", "iconUrl"} and isinstance(value, str) else []


def marked_up(kind: str, body: Any) -> list[str]:
    """The texts of a payload its service reads as markup."""
    if kind == "discord":  # an embed's footer shows no markdown (chat.formats)
        embeds = [{key: value for key, value in embed.items() if key != "footer"} for embed in body["embeds"]]
        return list(texts({**body, "embeds": embeds}))
    if kind != "teams":
        return list(texts(body))
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "TextBlock":
                found.append(value["text"])
            if value.get("type") == "FactSet":
                found.extend(text for fact in value["facts"] for text in (fact["title"], fact["value"]))
            for each in value.values():
                walk(each)
        elif isinstance(value, list):
            for each in value:
                walk(each)

    walk(body)
    return found


def readable(text: str) -> str:
    return " ".join(text.split())


def check_chat_posts(sent, outside, typed):
    for kind, got in outside.chats.items():
        assert got.received, kind
        assert all(problems == [] for problems in got.problems), (kind, got.problems)
        for body in got.received:
            # Links only to Rallypoint, whatever was typed.
            for url in urls_in(body):
                assert url.startswith(SITE), (kind, url)
            # Slack's links are <url|text> (its mrkdwn has no [text](url)); the others' are markdown,
            # but a Teams TextRun is never parsed: only its TextBlocks and Facts are markdown.
            for text in marked_up(kind, body):
                for target in (SLACK_LINK if kind == "slack" else MARKDOWN_LINK).findall(text):
                    assert target.startswith(SITE), (kind, target, text[:200])
        # Slack's plain_text and Teams' TextRuns are shown as written; markdown escapes are taken out.
        everything = "\n".join(texts(got.received)) if kind in {"slack", "teams"} else said(got.received)
        for field in ("name", "title", "progress", "checkin", "step"):
            shown = sent.typed[field][:60].strip()
            assert readable(shown) in readable(everything), (kind, field, shown)
    slack = outside.chats["slack"].received
    for body in slack:
        assert "<!" not in body["text"]
        assert "<@" not in body["text"]
    for body in outside.chats["mattermost"].received:
        assert not re.search(r"@(?!\u2060)", body["text"]), body["text"][:300]
        assert not re.search(r"(?<!\\)<", body["text"]), body["text"][:300]
    for body in outside.chats["discord"].received:
        # Discord shows `@everyone` as text; allowed_mentions is what keeps it from pinging anyone.
        assert body["allowed_mentions"] == {"parse": []}


def check_slack_plain_text(sent, outside, typed):
    """Slack's mrkdwn reads `<!channel>` and `*x*`: typed text goes only into plain_text objects."""
    marked = [
        value["text"]
        for body in outside.chats["slack"].received
        for value in _text_objects(body["blocks"])
        if value["type"] == "mrkdwn"
    ]
    for field in ("name", "title", "progress", "checkin", "step"):
        piece = sent.typed[field][:30].strip()
        if len(piece) > 3:
            assert not any(piece in text for text in marked), (field, piece)


def _text_objects(value: Any):
    if isinstance(value, dict):
        if value.get("type") in {"plain_text", "mrkdwn"} and isinstance(value.get("text"), str):
            yield value
        for each in value.values():
            yield from _text_objects(each)
    elif isinstance(value, list):
        for each in value:
            yield from _text_objects(each)


# Mail


def check_mail(sent, outside, typed):
    received = outside.smtp.received
    assert received
    for message in received:
        text, html = parts(message)
        page = Parsed(html)
        for tag, attrs in page.elements:
            assert tag not in {"script", "img", "svg", "iframe", "object", "embed"}, (message["Subject"], tag)
            assert not [name for name in attrs if name.startswith("on")], (message["Subject"], tag, attrs)
            for name in ("href", "src"):
                value = (attrs.get(name) or "").strip()
                assert not value or value.startswith((SITE, "mailto:")), (message["Subject"], tag, attrs)
    owner = [message for message in received if message["To"] == f"m{sent.member.id}@example.org"]
    commitments = next(message for message in owner if message["Subject"].strip().startswith("Your part of the plan"))
    text, html = parts(commitments)
    assert sent.typed["title"] in text
    assert readable(sent.typed["title"]) in Parsed(html).text
    rally = next(message for message in received if message["To"] == f"m{sent.helper.id}@example.org")
    # A Subject is one line of at most 200 characters (mail.render.subject).
    assert readable(sent.typed["title"])[:150] in rally["Subject"]
    assert readable(sent.typed["goal"])[:150] in commitments["Subject"]
    text, html = parts(rally)
    assert sent.typed["title"] in text
    assert sent.typed["progress"] in text
    assert readable(sent.typed["progress"]) in Parsed(html).text


# The calendar feed


def check_calendar(sent, outside, typed):
    client = calendar_browser(sent.member)
    url = client.post(f"{sent.base}/me/calendar", content_type="application/json").json()["url"]
    response = Client().get(path_of(url))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    # icalendar leaves NAME and X-WR-CALNAME as written: their TEXT escapes are undone here.
    assert unescaped(calendar["x-wr-calname"]) == sent.typed["goal"]
    assert unescaped(calendar["name"]) == sent.typed["goal"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == sent.typed["title"]
    assert sent.typed["progress"] in str(event["description"])


CHECKS = {
    "webhook bodies": check_webhook_bodies,
    "webhook description": check_description,
    "chat posts": check_chat_posts,
    "slack plain text": check_slack_plain_text,
    "mail": check_mail,
    "calendar feed": check_calendar,
}


def test_what_leaves_by_every_integration_reads_as_typed_and_is_inert(sent, outside, typed):
    """One board per string (its jobs are the slow part), every integration checked on it."""
    failed = []
    for name, check in CHECKS.items():
        try:
            check(sent, outside, typed)
        except AssertionError as error:
            failed.append(f"{name}: {error}"[:600])
    assert not failed, "\n".join(failed)
