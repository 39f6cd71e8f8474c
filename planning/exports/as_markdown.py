"""The plan as Markdown. Everything a member typed is escaped, so it reads as typed."""

from __future__ import annotations

import re

from planning.exports.document import PlanDocument, PlanItem

# `&` too: "&amp;" or "&#60;" typed by a member would otherwise render as "&" or "<".
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_BLOCK_START = re.compile(r"^(\s*)([#=+-])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# A run of # at the end of an ATX heading is its optional closing sequence, and is dropped.
_CLOSING_HASHES = re.compile(r"(?<!\\)#(?=[#\s]*$)")


def escape(text: str) -> str:
    """Escape what Markdown would read as markup: inline marks, and block marks starting a line."""
    text = _INLINE.sub(r"\\\1", text)
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


def _items_table(items: list[PlanItem], *, with_lane: bool = False, with_status: bool = False) -> list[str]:
    headers = ["Item", *(["Lane"] if with_lane else []), *(["Status"] if with_status else [])]
    headers += ["Owners", "Due", "Votes", "Notes"]
    lines = [_row(*headers), _row(*["---"] * len(headers))]
    for item in items:
        lines.append(
            _row(
                cell(item.title),
                *([cell(item.lane)] if with_lane else []),
                *([item.status] if with_status else []),
                cell(", ".join(item.owners)) if item.owners else "—",
                item.due or "—",
                "hidden" if item.votes is None else str(item.votes),
                cell(item.notes) if item.notes else "—",
            )
        )
    return lines


def render_markdown(plan: PlanDocument) -> str:
    lines = [heading(1, plan.title), "", f"**{escape(plan.status_line)}**", ""]
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
        lines += [*_items_table(lane.accepted), ""] if lane.accepted else ["No accepted items.", ""]
    lines += ["## Not taken", ""]
    if plan.not_taken:
        lines += [*_items_table(plan.not_taken, with_lane=True, with_status=True), ""]
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
        lines += [f"Mean: {mean:.2f} of 5 from {sum(histogram)} answers." if mean is not None else "No answers.", ""]
    return "\n".join(lines)
