"""What each chat service accepts, as far as Rallypoint's messages go: keys, types and limits.

Written from each service's documentation (Slack's Block Kit reference, Mattermost's incoming
webhooks, the Adaptive Card 1.4 schema as a Teams workflow takes it, Discord's execute-webhook and
embed limits). Each check returns the problems it found, none for a payload the service would post.
"""

from __future__ import annotations

import re
from typing import Any

SLACK_LINK = re.compile(r"<https?://[^|<>\s]+\|[^<>]*>")


def _text_object(value: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in {"plain_text", "mrkdwn"}:
        return [f"{where}: not a text object: {value!r}"]
    problems = []
    if plain_only and value["type"] != "plain_text":
        problems.append(f"{where}: must be plain_text")
    text = value.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text)} > {limit} characters")
    if set(value) - {"type", "text", "emoji", "verbatim"}:
        problems.append(f"{where}: unknown keys {set(value) - {'type', 'text', 'emoji', 'verbatim'}}")
    if value["type"] == "mrkdwn" and isinstance(text, str) and "<" in SLACK_LINK.sub("", text):
        problems.append(f"{where}: a `<` in mrkdwn that is no link of ours: {text!r}")
    return problems


def slack(body: Any) -> list[str]:
    if not isinstance(body, dict) or set(body) - {"text", "blocks"}:
        return [f"unknown top-level keys: {body!r}"]
    problems = []
    text = body.get("text")
    if not isinstance(text, str) or not text or len(text) > 40000:
        problems.append("`text` (the notification fallback) must be 1–40000 characters")
    elif "<" in text or ">" in text:
        problems.append("`text` must escape < and >")
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return [*problems, "`blocks` must be a list of 1–50 blocks"]
    for n, block in enumerate(blocks):
        where = f"blocks[{n}]"
        kind = block.get("type")
        if kind == "header":
            problems += _text_object(block.get("text"), where, 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                problems += _text_object(block["text"], where, 3000)
            fields = block.get("fields", [])
            if not isinstance(fields, list) or len(fields) > 10:
                problems.append(f"{where}: at most 10 fields")
            for m, each in enumerate(fields):
                problems += _text_object(each, f"{where}.fields[{m}]", 2000)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                problems.append(f"{where}: 1–10 elements")
            for m, each in enumerate(elements or []):
                problems += _text_object(each, f"{where}.elements[{m}]", 2000)
        elif kind != "divider":
            problems.append(f"{where}: unexpected block type {kind!r}")
    return problems


def mattermost(body: Any) -> list[str]:
    if not isinstance(body, dict) or set(body) - {"text", "username", "icon_url", "attachments", "props"}:
        return [f"unknown top-level keys: {body!r}"]
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 16383:
        return ["`text` must be 1–16383 characters"]
    return []


TEAMS_ELEMENTS = {"TextBlock", "RichTextBlock", "FactSet", "Container"}


def _teams_elements(elements: Any, where: str) -> list[str]:
    if not isinstance(elements, list) or not elements:
        return [f"{where}: must be a non-empty list"]
    problems = []
    for n, element in enumerate(elements):
        at = f"{where}[{n}]"
        kind = element.get("type") if isinstance(element, dict) else None
        if kind not in TEAMS_ELEMENTS:
            problems.append(f"{at}: unknown element {kind!r}")
        elif kind == "TextBlock":
            if not isinstance(element.get("text"), str) or not element["text"]:
                problems.append(f"{at}: a TextBlock needs text")
        elif kind == "RichTextBlock":
            inlines = element.get("inlines")
            if not isinstance(inlines, list) or not inlines:
                problems.append(f"{at}: a RichTextBlock needs inlines")
            for m, run in enumerate(inlines or []):
                if not isinstance(run, dict) or run.get("type") != "TextRun" or not isinstance(run.get("text"), str):
                    problems.append(f"{at}.inlines[{m}]: a TextRun with text")
        elif kind == "FactSet":
            facts = element.get("facts")
            if not isinstance(facts, list) or not facts:
                problems.append(f"{at}: a FactSet needs facts")
            for fact in facts or []:
                if set(fact) != {"title", "value"} or not all(isinstance(v, str) and v for v in fact.values()):
                    problems.append(f"{at}: a fact is {{title, value}}: {fact!r}")
        elif kind == "Container":
            problems += _teams_elements(element.get("items"), f"{at}.items")
    return problems


def teams(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ['`type` must be "message"']
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return ["one attachment"]
    (attachment,) = attachments
    problems = []
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append("contentType must be application/vnd.microsoft.card.adaptive")
    if "contentUrl" not in attachment or attachment["contentUrl"] is not None:
        problems.append("contentUrl must be null")
    card = attachment.get("content")
    if not isinstance(card, dict):
        return [*problems, "no card"]
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.4":
        problems.append("an AdaptiveCard of version 1.4")
    if card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
        problems.append("the Adaptive Card $schema")
    problems += _teams_elements(card.get("body"), "body")
    for n, action in enumerate(card.get("actions", [])):
        if (
            action.get("type") != "Action.OpenUrl"
            or not action.get("title")
            or not action.get("url", "").startswith("http")
        ):
            problems.append(f"actions[{n}]: an Action.OpenUrl with a title and an http(s) url")
    return problems


def discord(body: Any) -> list[str]:
    allowed = {"content", "embeds", "allowed_mentions", "username", "avatar_url"}
    if not isinstance(body, dict) or set(body) - allowed:
        return [f"unknown top-level keys: {body!r}"]
    problems = []
    if body.get("allowed_mentions") != {"parse": []}:
        problems.append("allowed_mentions must be {parse: []}: no message of ours pings anyone")
    content = body.get("content", "")
    if not isinstance(content, str) or len(content) > 2000:
        problems.append("content is at most 2000 characters")
    embeds = body.get("embeds", [])
    if not content and not embeds:
        problems.append("content or embeds")
    if not isinstance(embeds, list) or len(embeds) > 10:
        return [*problems, "at most 10 embeds"]
    for n, embed in enumerate(embeds):
        at = f"embeds[{n}]"
        total = 0
        for key, limit in (("title", 256), ("description", 4096)):
            if key in embed:
                if not isinstance(embed[key], str) or len(embed[key]) > limit:
                    problems.append(f"{at}.{key}: at most {limit} characters")
                total += len(embed[key])
        if not isinstance(embed.get("color", 0), int) or not 0 <= embed.get("color", 0) <= 0xFFFFFF:
            problems.append(f"{at}.color: an RGB integer")
        fields = embed.get("fields", [])
        if len(fields) > 25:
            problems.append(f"{at}: at most 25 fields")
        for m, each in enumerate(fields):
            name, value = each.get("name"), each.get("value")
            if not isinstance(name, str) or not name or len(name) > 256:
                problems.append(f"{at}.fields[{m}].name: 1–256 characters")
            if not isinstance(value, str) or not value or len(value) > 1024:
                problems.append(f"{at}.fields[{m}].value: 1–1024 characters")
            total += len(name or "") + len(value or "")
        footer = embed.get("footer", {}).get("text", "")
        if len(footer) > 2048:
            problems.append(f"{at}.footer: at most 2048 characters")
        total += len(footer)
        if total > 6000:
            problems.append(f"{at}: {total} characters, more than 6000 in all")
    return problems


CHECKS = {"slack": slack, "mattermost": mattermost, "teams": teams, "discord": discord}
