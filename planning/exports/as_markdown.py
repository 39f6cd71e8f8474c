"""The plan as Markdown. Everything a member typed is escaped, so it reads as typed.

Read as typed means no markup and no link: renderers that turn bare URLs into links (GitHub,
markdown-it's `linkify`) see text in which each link candidate is broken by a backslash escape,
so that a typed `<http://example.org/x>` or `www.example.org` shows as it was typed, as text.
"""

from __future__ import annotations

import re

from planning.exports.changes import describe_change
from planning.exports.dates import human_datetime
from planning.exports.document import (
    STATE_LABELS,
    STATES,
    PlanDocument,
    PlanItem,
    Summary,
    mean_text,
)
from planning.exports.load import WILL_NOT_FIT
from planning.exports.stacks import stacked_text

# `&` too: "&amp;" or "&#60;" typed by a member would otherwise render as "&" or "<".
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# What a renderer's autolinking hinges on, escaped so that no link is found in typed text. Each
# backslash ends the text run a linkifier searches, and only ASCII punctuation is escaped, so the
# text reads as typed everywhere:
# - the `:` of a scheme (`http:`, `mailto:`, `javascript:`): markdown-it reads `scheme://` from the
#   raw line and would take `\>` after a URL into the link (the stray backslash of `<http://x>`);
# - the first `/` of `//` (a scheme-relative link, `//localhost`);
# - the dot before a label of two letters or more (every top-level domain: `www.example.org`,
#   `mia@example.org`, a bare `example.org`), so "e.g." and "3.14" stay as they are.
_SCHEME_COLON = re.compile(r"(?<=[A-Za-z]):(?=\S)")
_DOUBLE_SLASH = re.compile(r"/(?=/)")
_DOMAIN_DOT = re.compile(r"(?<=[^\W_])\.(?=[^\W\d_]{2})")
_BLOCK_START = re.compile(r"^(\s*)([#=+-])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# A run of # at the end of an ATX heading is its optional closing sequence, and is dropped.
_CLOSING_HASHES = re.compile(r"(?<!\\)#(?=[#\s]*$)")


def escape(text: str) -> str:
    """Escape what Markdown would read as markup: inline marks, and block marks starting a line."""
    text = _INLINE.sub(r"\\\1", text)
    text = _SCHEME_COLON.sub(r"\\:", text)
    text = _DOUBLE_SLASH.sub(r"\\/", text)
    text = _DOMAIN_DOT.sub(r"\\.", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(lambda match: f"{match.group(1)}\\{match.group(2)}", text)


def cell(text: str) -> str:
    """A table cell: escaped, on one line."""
    return one_line(text) or " "


def one_line(text: str) -> str:
    """Escaped and on one line, for a heading or a list item."""
    return escape(" ".join(text.split()))


def heading(level: int, text: str) -> str:
    """A heading on one line, with a # at its end kept as text."""
    return "#" * level + " " + _CLOSING_HASHES.sub(r"\\#", one_line(text))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def update(item: PlanItem) -> str:
    """The item's latest progress note with who reported it and when, as a cell; "—" for none."""
    progress = item.progress
    if progress is None:
        return "—"
    byline = f"({progress.byline})" if progress.byline else ""
    return cell(f"{progress.note} {byline}".strip()) if progress.note or byline else "—"


def _item(item: PlanItem) -> str:
    """The item's cell: its title, and the cards stacked under it, one line each ("↳ …")."""
    text = cell(item.title)
    if item.stack_title:  # a row of its own though stacked: accepted, under a head that is not
        text += f" (stacked under “{one_line(item.stack_title)}”)"
    return text + "".join(f"<br>↳ {one_line(stacked_text(card, item))}" for card in item.stacked)


def _estimate(item: PlanItem) -> str:
    return f"{item.estimate_text}, **{WILL_NOT_FIT}**" if item.will_not_fit else item.estimate_text


def _items_table(
    items: list[PlanItem],
    *,
    with_lane: bool = False,
    with_status: bool = False,
    with_progress: bool = False,
    with_estimate: bool = False,
) -> list[str]:
    headers = ["Item", *(["Lane"] if with_lane else []), *(["Status"] if with_status else [])]
    headers += ["Owners", *(["Estimate"] if with_estimate else []), "Due", "Votes", "Notes"]
    headers += ["Progress", "Update", "Help"] if with_progress else []
    lines = [_row(*headers), _row(*["---"] * len(headers))]
    for item in items:
        lines.append(
            _row(
                _item(item),
                *([cell(item.lane)] if with_lane else []),
                *([item.status] if with_status else []),
                cell(", ".join(item.owners)) if item.owners else "—",
                *([_estimate(item)] if with_estimate else []),
                item.due_text or "—",
                "hidden" if item.votes is None else str(item.votes),
                cell(item.notes) if item.notes else "—",
                *(
                    [STATE_LABELS[item.state], update(item), cell(", ".join(item.helping)) if item.helpers else "—"]
                    if with_progress
                    else []
                ),
            )
        )
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _summary(plan: PlanDocument, summary: Summary) -> list[str]:
    """The plan at a glance: key figures, each owner's load, the first due dates."""
    owners = len(summary.owner_load)
    lines = ["## Summary", "", f"- **{_count(summary.accepted, 'accepted item')}**, {_count(owners, 'owner')}"]
    if summary.unowned:
        lines.append(f"- **{_count(summary.unowned, 'accepted item')} without an owner yet**")
    if plan.load is not None:
        lines.append(f"- **{plan.load.line}**" if plan.load.over else f"- {plan.load.line}")
        lines += [f"   - {remark}" for remark in plan.load.remarks]
    if summary.progress is not None:
        lines.append(f"- Progress: {summary.progress_line}")
    lines.append(f"- {summary.coverage}")
    lines += [
        f"   - **Not served by any accepted item:** {criterion.number}\\. {one_line(criterion.text)}"
        for criterion in summary.unserved
    ]
    if plan.confidence and plan.confidence["mean"] is not None:
        answers = _count(plan.confidence_answers, "answer")
        lines.append(f"- Confidence: mean {mean_text(plan.confidence['mean'])} of 5 from {answers}")
    lines.append("")
    if summary.attention:
        lines += [_row("Needs attention", "Item", "Owners", "Update"), _row(*["---"] * 4)]
        lines += [
            _row(
                f"**{STATE_LABELS[item.state]}**",
                cell(item.title),
                cell(", ".join(item.owners)) if item.owners else "—",
                update(item),
            )
            for item in summary.attention
        ]
        lines.append("")
    if plan.load is not None and plan.load.people:
        lines += [_row("Owner", "Load", "Accepted items"), _row("---", "---:", "---:")]
        lines += [_row(cell(person.name), person.hours_text, str(person.items)) for person in plan.load.people]
        lines.append("")
    elif summary.owner_load:
        lines += [_row("Owner", "Accepted items"), _row("---", "---:")]
        lines += [_row(cell(name), str(load)) for name, load in summary.owner_load]
        lines.append("")
    if summary.next_due:
        lines += [_row("Due first", "Item", "Owners"), _row("---", "---", "---")]
        lines += [
            _row(item.due_text, cell(item.title), cell(", ".join(item.owners)) if item.owners else "—")
            for item in summary.next_due
        ]
        lines.append("")
    if summary.due_remark:
        lines += [summary.due_remark, ""]
    return lines


def _changes(plan: PlanDocument) -> list[str]:
    """What changed in the accepted plan since the version before; nothing for version 1."""
    if plan.changes is None:
        return []
    since = plan.changes.since
    lines = [f"## Changed since version {since}", ""]
    if not plan.changes:
        return [*lines, f"Nothing in the accepted plan changed since version {since}.", ""]
    lines += [_row("Change", "Item", f"Version {since}", plan.version_label), _row(*["---"] * 4)]
    for change in plan.changes:
        label, before, after = describe_change(change)
        lines.append(_row(label, cell(change.title), cell(before), cell(after)))
    return [*lines, ""]


def _checkins(plan: PlanDocument) -> list[str]:
    """The check-ins so far, oldest first, with each state's count at the time."""
    if plan.checkins is None:
        return []
    lines = ["## Check-ins", ""]
    if not plan.checkins:
        return [*lines, "No check-in yet.", ""]
    headers = ["Check-in", "When", "By", "Plan version", *(STATE_LABELS[state] for state in STATES), "Note"]
    lines += [_row(*headers), _row("---:", "---", "---", "---:", *["---:"] * len(STATES), "---")]
    for checkin in plan.checkins:
        lines.append(
            _row(
                str(checkin.number),
                human_datetime(checkin.at),
                cell(checkin.by) if checkin.by else "—",
                str(checkin.version) if checkin.version else "—",
                *(str(checkin.counts[state]) for state in STATES),
                cell(checkin.note) if checkin.note else "—",
            )
        )
    return [*lines, ""]


def render_markdown(plan: PlanDocument) -> str:
    lines = [heading(1, plan.title), "", f"**{escape(plan.status_line)}**", ""]
    if plan.face_down:
        lines += [f"**{plan.face_down_line}**", ""]
    if plan.summary is not None:
        lines += _summary(plan, plan.summary)
    lines += _changes(plan)
    lines += _checkins(plan)
    if plan.why:
        lines += ["## Why it matters", "", escape(plan.why), ""]
    lines += ["## Success criteria", ""]
    if not plan.criteria:
        lines += ["No success criteria were set.", ""]
    for criterion in plan.criteria:
        lines.append(f"{criterion.number}\\. {escape(criterion.text)}")
        if criterion.served_by:
            lines += [f"   - served by: {one_line(item.title)}" for item in criterion.served_by]
        else:
            lines.append("   - **Not served by any accepted item.**")
        # A blank line ends the list: the next criterion would otherwise continue its last item.
        lines.append("")
    lines += ["## The plan", ""]
    for lane in plan.lanes:
        lines += [heading(3, lane.title), ""]
        lines += (
            [*_items_table(lane.accepted, with_progress=plan.is_live, with_estimate=plan.estimating), ""]
            if lane.accepted
            else ["No accepted items.", ""]
        )
    lines += ["## Not taken", ""]
    if plan.not_taken:
        lines += [*_items_table(plan.not_taken, with_lane=True, with_status=True, with_estimate=plan.estimating), ""]
    else:
        lines += ["Nothing.", ""]
    lines += ["## Participants", ""]
    lines += [f"- {escape(name)} ({role})" for name, role in plan.participants]
    lines.append("")
    if plan.confidence:
        histogram = plan.confidence["histogram"]
        mean = plan.confidence["mean"]
        lines += ["## Confidence", "", _row(*[str(score) for score in range(6)]), _row(*["---"] * 6)]
        lines += [_row(*[str(count) for count in histogram]), ""]
        summary = f"Mean: {mean_text(mean)} of 5 from {sum(histogram)} answers." if mean is not None else "No answers."
        lines += [summary, ""]
    return "\n".join(lines)
