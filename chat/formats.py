"""Each service's own format of a chat message, and how typed text stays as typed in it.

- Slack (Block Kit): typed text goes only into `plain_text` objects, which Slack shows literally
  (no mrkdwn, no `<!channel>`, `emoji: false`); our own mrkdwn (labels, links) escapes `&`, `<`
  and `>` as Slack asks, and so does the notification fallback `text`.
- Mattermost (incoming webhook markdown): every markdown character of typed text is escaped with
  a backslash (CommonMark), and an `@` is followed by a word joiner (U+2060), invisible,
  because Mattermost notifies `@channel` from a webhook's text whatever the markdown says
  (mattermost/mattermost#13881) and splits mentions at any character that is not a letter.
- Teams (a workflow's Adaptive Card): TextBlock and Fact values are markdown, so typed text goes
  into TextRuns of RichTextBlocks, which are never parsed; FactSets hold only our numbers.
- Discord (embeds): typed text is backslash-escaped (Discord's markdown takes `\\` before any
  punctuation) and `allowed_mentions: {"parse": []}` keeps `@everyone` from pinging anyone;
  every part is cut to Discord's limits, and the embed to its 6000 characters in all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chat.messages import Message

SLACK_HEADER_MAX = 150  # a header block's plain_text
SLACK_TEXT_MAX = 3000  # a section's text
SLACK_FIELD_MAX = 2000
SLACK_FIELDS_MAX = 10
MATTERMOST_TEXT_MAX = 16383  # a post's message
DISCORD_CONTENT_MAX = 2000
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4096
DISCORD_FIELDS_MAX = 25
DISCORD_FIELD_NAME_MAX = 256
DISCORD_FIELD_VALUE_MAX = 1024
DISCORD_FOOTER_MAX = 2048
DISCORD_EMBED_MAX = 6000
# What the entries may fill of it, leaving room for the last field (what was left out, the link).
EMBED_ROOM = DISCORD_EMBED_MAX - 300

COLOURS = {"agreed": 0x1E8E3E, "blocked": 0xD93025, "checkin": 0x1A73E8, "step": 0x8430CE, "test": 0x5F6368}
TEAMS_COLOURS = {"agreed": "Good", "blocked": "Attention", "checkin": "Accent", "step": "Accent", "test": "Default"}
TEAMS_CARD = "application/vnd.microsoft.card.adaptive"
EMOJI = {"agreed": "✅", "blocked": "🚧", "checkin": "📋", "step": "⏱️", "test": "👋"}


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis saying when some were left out."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """Escaped text of at most `limit` characters, cut before escaping so no escape is split: the
    longest beginning of `text` whose escaped form and ellipsis fit."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(text[:middle].rstrip())) + 1 <= limit:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low].rstrip()) + "…"


# --- Slack --------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters, as its "Escaping text" asks for mrkdwn and `text`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int = SLACK_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": False}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _slack_link(url: str, label: str) -> str:
    return f"<{slack_escape(url)}|{slack_escape(label)}>"


def slack(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"{EMOJI[message.subject]} {message.summary}", SLACK_HEADER_MAX)}
    ]
    if message.text:
        blocks.append({"type": "section", "text": _plain(message.text)})
    if message.facts:
        fields: list[dict[str, Any]] = []
        for fact in message.facts[: SLACK_FIELDS_MAX // 2]:
            fields += [_mrkdwn(f"*{slack_escape(fact.label)}*"), _plain(fact.value, SLACK_FIELD_MAX)]
        blocks.append({"type": "section", "fields": fields})
    if message.entries:
        blocks.append({"type": "divider"})
        for entry in message.entries:
            blocks.append({"type": "section", "text": _plain(f"• {entry.title}\n{entry.detail}")})
        if message.more:
            blocks.append({"type": "context", "elements": [_mrkdwn(f"and {message.more} more on the board")]})
    if message.link_url:
        blocks.append({"type": "section", "text": _mrkdwn(f"*{_slack_link(message.link_url, message.link_label)}*")})
    blocks.append(
        {
            "type": "context",
            "elements": [_mrkdwn(_slack_link(message.workshop_url, "Rallypoint")), _plain(message.workshop, 2000)],
        }
    )
    return {"text": slack_escape(cut(message.summary, SLACK_TEXT_MAX)), "blocks": blocks}


# --- Mattermost ---------------------------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\`*_~\[\]()#+\-.!|<>:{}])")


def mattermost_escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text).replace("@", "@\u2060")


def mattermost(message: Message) -> dict[str, Any]:
    escape = mattermost_escape
    lines = [f"#### {EMOJI[message.subject]} {escape(message.label)}: {escape(message.headline)}"]
    if message.text:
        lines += ["", escape(message.text).replace("\n", "  \n")]
    if message.facts:
        lines.append("")
        lines += [f"**{escape(fact.label)}:** {escape(fact.value)}  " for fact in message.facts]
    if message.entries:
        lines.append("")
        lines += [f"- **{escape(entry.title)}** — {escape(entry.detail)}" for entry in message.entries]
        if message.more:
            lines.append(f"- and {message.more} more on the board")
    lines.append("")
    footer = f"[{escape(message.link_label)}]({message.link_url}) · " if message.link_url else ""
    lines.append(f"{footer}{escape(message.workshop)} on [Rallypoint]({message.workshop_url})")
    return {"text": cut("\n".join(lines), MATTERMOST_TEXT_MAX)}


# --- Microsoft Teams ----------------------------------------------------------------------------


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*inlines: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(inlines), **options}


def teams(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": f"{EMOJI[message.subject]} {message.label}",
            "weight": "Bolder",
            "color": TEAMS_COLOURS[message.subject],
            "wrap": True,
        },
        _rich(_run(message.headline, size="Large", weight="Bolder"), spacing="None"),
    ]
    if message.text:
        body.append(_rich(_run(message.text)))
    ours = [{"title": fact.label, "value": fact.value} for fact in message.facts if not fact.typed]
    if ours:
        body.append({"type": "FactSet", "facts": ours})
    for fact in message.facts:
        if fact.typed:
            body.append(_rich(_run(f"{fact.label}: ", weight="Bolder"), _run(fact.value), spacing="Small"))
    if message.entries:
        items = [
            _rich(_run(entry.title, weight="Bolder"), _run(f" — {entry.detail}"), spacing="Small")
            for entry in message.entries
        ]
        if message.more:
            items.append({"type": "TextBlock", "text": f"and {message.more} more on the board", "isSubtle": True})
        body.append({"type": "Container", "separator": True, "items": items})
    body.append(_rich(_run(message.workshop, isSubtle=True, size="Small"), separator=True))
    actions = [{"type": "Action.OpenUrl", "title": message.link_label, "url": message.link_url}]
    if message.link_url != message.workshop_url:
        actions.append({"type": "Action.OpenUrl", "title": "Open the board", "url": message.workshop_url})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": TEAMS_CARD, "contentUrl": None, "content": card}],
    }


# --- Discord ------------------------------------------------------------------------------------

_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<:.+!])")


def discord_escape(text: str) -> str:
    return _DISCORD_MARKDOWN.sub(r"\\\1", text)


def _embed_size(embed: dict[str, Any]) -> int:
    fields = sum(len(field["name"]) + len(field["value"]) for field in embed["fields"])
    return len(embed["title"]) + len(embed.get("description", "")) + len(embed["footer"]["text"]) + fields


def discord(message: Message) -> dict[str, Any]:
    escape = discord_escape
    facts = [
        {
            "name": fact.label,
            "value": fit(fact.value, DISCORD_FIELD_VALUE_MAX, escape if fact.typed else str),
            "inline": True,
        }
        for fact in message.facts
    ]
    entries = [
        {
            "name": fit(entry.title, DISCORD_FIELD_NAME_MAX, escape),
            "value": fit(entry.detail, DISCORD_FIELD_VALUE_MAX, escape) or "\u200b",
            "inline": False,
        }
        for entry in message.entries
    ]
    embed: dict[str, Any] = {
        "title": fit(message.headline, DISCORD_TITLE_MAX, escape),
        "url": message.link_url or message.workshop_url,
        "color": COLOURS[message.subject],
        "fields": [],
        # A footer shows no markdown: the workshop's title as typed.
        "footer": {"text": cut(f"{message.workshop} · Rallypoint", DISCORD_FOOTER_MAX)},
    }
    if message.text:
        embed["description"] = fit(message.text, DISCORD_DESCRIPTION_MAX, escape)
    # The tail field (what was left out, the link) takes one of the 25 fields, and the embed's
    # 6000 characters in all bound the rest: entries are left out first, then the description shrinks.
    room = DISCORD_FIELDS_MAX - len(facts) - 1
    while entries and (len(entries) > room or _embed_size(embed | {"fields": facts + entries}) > EMBED_ROOM):
        entries.pop()
    more = message.more + len(message.entries) - len(entries)
    link = f"[{message.link_label}]({message.link_url})" if message.link_url else ""
    tail = " · ".join(filter(None, [f"and {more} more on the board" if more else "", link]))
    embed["fields"] = facts + entries + ([{"name": "\u200b", "value": tail, "inline": False}] if tail else [])
    if _embed_size(embed) > DISCORD_EMBED_MAX and "description" in embed:
        spare = DISCORD_EMBED_MAX - (_embed_size(embed) - len(embed["description"]))
        embed["description"] = fit(message.text, max(spare, 1), escape)
    prefix = f"{EMOJI[message.subject]} **{message.label}:** "
    return {
        "content": prefix + fit(message.headline, DISCORD_CONTENT_MAX - len(prefix), escape),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


RENDER: dict[str, Callable[[Message], dict[str, Any]]] = {
    "slack": slack,
    "mattermost": mattermost,
    "teams": teams,
    "discord": discord,
}


def render(kind: str, message: Message) -> dict[str, Any]:
    return RENDER[kind](message)
