"""The plan PDF's tables, laid out by fpdf2's `FPDF.table()`.

A table keeps each row on one page and repeats its heading row on the next. One item is one row,
each column one cell, so that the text reads (and copies) in the order of the columns: the title
and all that goes under it, then its progress, owners, due date and votes. A cell has one font
size and colour in fpdf2, so what used to be set apart by size and colour within a cell is set
apart by fpdf2's markdown: a bold title over its notes, an italic "Update:", a bold "Help:".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache

from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace
from fpdf.table import Table

from planning.exports.changes import describe_change
from planning.exports.dates import human_datetime
from planning.exports.document import (
    STATE_LABELS,
    STATES,
    CheckIn,
    PlanDocument,
    PlanItem,
)
from planning.exports.load import WILL_NOT_FIT, PersonLoad
from planning.exports.pdf_page import (
    ACCENT,
    FONT,
    INK,
    MARKER_RADIUS,
    MARKER_SPACE,
    RULE,
    SHADE,
    STATE_FILLS,
    STATE_INKS,
    WARN,
    PlanPDF,
)
from planning.exports.stacks import stacked_text

# One size and line height for a table's text (fpdf2 sets every line of a table the same height).
CELL_SIZE, CELL_LINE_HEIGHT, CELL_PADDING = 8.5, 4.3, 1.4
# A row is kept on one page, and 4000 characters of notes are taller than a page: a cell is cut
# at this many lines and printed in full after its table. 30 lines and the padding (141 mm)
# always fit on a page under the headings.
CELL_MAX_LINES = 30
CONTINUED = "… continued below the table"
CONTINUED_LABELS = {"Item": "Notes", "Lane": "Lane", "Owners": "Owners"}
STACK_CONTINUED = "Notes and stacked cards"
# Relative widths of the item tables' columns, in millimetres of the 174 mm text width. The
# item's title, with its notes under it, takes most of the width, so that a title reads on one
# line or two rather than as a column of short lines; Due, Estimate and Votes just hold "29 Sep
# 2030", "will not fit" and "hidden" on one line.
COLUMN_SHARES = {"Item": 101, "Lane": 24, "Status": 18, "Owners": 38, "Estimate": 18, "Due": 21, "Votes": 14}
# An agreed version's accepted items have a Progress column too: a marker, the state's word, who
# reported it and when; the update's note and the helpers go under the item's notes. The marker
# has a column of its own (fpdf2 puts an image or text in a cell, not both), under the heading's.
PROGRESS_SHARES = {"Item": 80, "Progress": 29, "Owners": 32, "Estimate": 18, "Due": 21, "Votes": 12}
# The Estimate column's room is taken from the item and its owners (from the item alone where the
# table has no owners), so that the other columns keep their widths and "29 Sep 2030" one line.
ESTIMATE_ROOM = {"Item": 14, "Owners": 4}
MARKER_COLUMN = CELL_PADDING + 2 * MARKER_RADIUS + 0.2  # 0.2: fpdf2 keeps the rule's width clear
# The check-ins' table: the check-in (number, time, plan version), who, the five counts, the note.
CHECKIN_SHARES = [23, 22, *[14.5] * len(STATES), 56.5]
CHANGE_SHARES = [16, 80, 38, 40]
# Each owner's load: their name, a bar of their hours against the most anyone carries, the hours,
# and how many accepted items they own.
PEOPLE_SHARES, PEOPLE_ALIGN = [64, 62, 24, 24], ("LEFT", "LEFT", "RIGHT", "RIGHT")
BAR_PADDING = (2.1, 4.0, 1.2, 1.2)
HEADINGS = FontFace(family=FONT, emphasis="BOLD", size_pt=CELL_SIZE, color=INK, fill_color=SHADE)
BOLD = FontFace(emphasis="BOLD")
LABELS = {"Update:": "__Update:__ ", "Help:": "**Help:** "}
# A card stacked under the item's head, under its notes: Fira Sans has no "↳", which the Markdown uses.
STACKED = "→ "
LATE = FontFace(color=WARN)
# The marker's cell and the state's word beside it: CSS order, top, right, bottom, left.
MARKER_PADDING = (CELL_PADDING, 0, CELL_PADDING, CELL_PADDING)
STATE_PADDING = (CELL_PADDING, 1.0, CELL_PADDING, MARKER_SPACE - 2 * MARKER_RADIUS - 0.2)

# fpdf2's markdown reads "**", "__", "~~" and "--" as emphasis and "\" as escaping them.
_MARKS = re.compile(r"\*\*|__|~~|--|\\+(?=[^\\])")


def literal(text: str, *, more: bool = False) -> str:
    """`text` for a cell set with markdown, to print as typed: its marks escaped and its backslashes
    doubled, but for a run of them that ends the cell (`more`: the cell goes on after `text`)."""
    escaped = _MARKS.sub(lambda match: match[0] * 2 if match[0][0] == "\\" else "\\" + match[0], text + "\n" * more)
    return escaped[:-1] if more else escaped


@cache
def _marker(state: str) -> bytes:
    """A state's round marker, as tall as a line of its cell so that it sits by the line's middle."""
    red, green, blue = STATE_FILLS[state]
    width, height = 2 * MARKER_RADIUS, CELL_LINE_HEIGHT
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<circle cx="{MARKER_RADIUS}" cy="{height / 2}" r="{MARKER_RADIUS}" fill="rgb({red},{green},{blue})"/>'
        "</svg>"
    ).encode()


@cache
def _bar(share: float) -> bytes:
    """A bar `share` (0 to 1) of the width of its cell, which it fills."""
    red, green, blue = ACCENT
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 4.5">'
        f'<rect width="{100 * share:.1f}" height="4.5" fill="rgb({red},{green},{blue})"/>'
        "</svg>"
    ).encode()


def _most_lines(pdf: PlanPDF, text: str, width: float, style: str = "") -> float:
    """At most how many lines `text` takes in a cell `width` wide, without breaking it into lines:
    two lines always hold more than one line's width."""
    pdf.set_font(FONT, style, CELL_SIZE)
    return 2 * pdf.get_string_width(text) / (width - 2 * CELL_PADDING) + text.count("\n") + 1 if text else 0


def _lines(pdf: PlanPDF, text: str, width: float, style: str = "") -> list[str]:
    pdf.set_font(FONT, style, CELL_SIZE)
    return pdf.lines(text, width - 2 * CELL_PADDING) if text else []


def _cut(pdf: PlanPDF, text: str, width: float, limit: int) -> tuple[str, bool]:
    """`text` within `limit` lines of a cell `width` wide, ending with CONTINUED if it is longer."""
    if _most_lines(pdf, text, width) <= limit:
        return text, False
    lines = _lines(pdf, text, width)
    if len(lines) <= limit:
        return text, False
    return "\n".join([*lines[: max(0, limit - 1)], CONTINUED]), True


def _body(item: PlanItem) -> str:
    """What goes under an item's title: its notes, then the cards stacked under it, one a line; or,
    for an accepted card under a head that is not (a row of its own), first which head that is."""
    lines = [f"Stacked under “{item.stack_title}”"] if item.stack_title else []
    lines += [item.notes] if item.notes else []
    return "\n".join([*lines, *(STACKED + stacked_text(card, item) for card in item.stacked)])


def _item_cell(pdf: PlanPDF, item: PlanItem, width: float, *, progress: bool) -> tuple[str, FontFace, bool]:
    """The title in bold, its notes and stack under it, then with `progress` the update and the
    helpers; the cell's markdown, its style, and whether the notes and stack were cut."""
    update = item.progress.note if progress and item.progress else ""
    helpers = ", ".join(item.helping) if progress else ""
    after = [(label, text) for label, text in [("Update:", update), ("Help:", helpers)] if text]
    others = [(item.title, "B"), *((f"{label} {text}", "") for label, text in after)]
    notes, cut = _body(item), False
    if (
        _most_lines(pdf, notes, width) + sum(_most_lines(pdf, text, width, style) for text, style in others)
        > CELL_MAX_LINES
    ):
        taken = sum(len(_lines(pdf, text, width, style)) for text, style in others)
        notes, cut = _cut(pdf, notes, width, max(CELL_MAX_LINES - taken, 1))
    parts = [("", notes)] if notes else []
    parts += [(LABELS[label], text) for label, text in after]
    # The cell's style sets the title in bold, and "**" after it ends the bold: unless the title
    # ends in "*", where the mark would not read as one, and the title is not bold.
    bold = not item.title.endswith("*") or not parts
    lines = [literal(item.title, more=bool(parts)) + ("**" if bold and parts else "")]
    lines += [label + literal(text, more=number < len(parts) - 1) for number, (label, text) in enumerate(parts)]
    return "\n".join(lines), FontFace(emphasis="BOLD" if bold else ""), cut


def _table(
    pdf: PlanPDF,
    widths: Sequence[float],
    *,
    markdown: bool = False,
    padding: float = CELL_PADDING,
    line_height: float = CELL_LINE_HEIGHT,
    text_align: str | tuple[str, ...] = "LEFT",
) -> AbstractContextManager[Table]:
    """A table as wide as the text, a shaded heading row, rules between rows, text at the top left."""
    pdf.set_font(FONT, "", CELL_SIZE)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    return pdf.table(
        col_widths=widths,
        width=pdf.epw,
        align="LEFT",
        v_align="TOP",
        text_align=text_align,
        headings_style=HEADINGS,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=line_height,
        padding=padding,
        markdown=markdown,
        repeat_headings=1,
    )


def items_table(pdf: PlanPDF, items: list[PlanItem], *, columns: list[str], progress: bool = False) -> None:
    """Items, one row each, under a heading row; a cell too long for a page goes on below the table."""
    shares = dict(PROGRESS_SHARES if progress else COLUMN_SHARES)
    if "Estimate" in columns:
        for name, room in ESTIMATE_ROOM.items():
            shares[name if name in columns else "Item"] -= room
    scale = pdf.epw / sum(shares[name] for name in columns)
    width_of = {name: shares[name] * scale for name in columns}
    widths: list[float] = []
    for name in columns:
        widths += [MARKER_COLUMN, width_of[name] - MARKER_COLUMN] if name == "Progress" else [width_of[name]]
    overflow: list[tuple[PlanItem, str, str]] = []
    with _table(pdf, widths, markdown=True) as table:
        heading = table.row()
        for name in columns:
            heading.cell(name, colspan=2 if name == "Progress" else 1)
        for item in items:
            values = {
                "Lane": item.lane,
                "Status": item.status.capitalize(),
                "Owners": ", ".join(item.owners) or "Nobody",
                "Due": item.due_text,
                "Votes": "hidden" if item.votes is None else str(item.votes),
                "Estimate": item.estimate_text,
            }
            row = table.row()
            for name in columns:
                if name == "Item":
                    text, style, cut = _item_cell(pdf, item, width_of[name], progress=progress)
                    row.cell(text, style=style)
                    value = _body(item)
                elif name == "Progress":
                    row.cell(img=_marker(item.state), img_fill_width=True, padding=MARKER_PADDING)
                    by = [literal(item.progress.by, more=True), item.progress.at_text] if item.progress else []
                    state = f"**{STATE_LABELS[item.state]}**"
                    style = FontFace(size_pt=8, color=STATE_INKS[item.state])
                    row.cell("\n".join([state, *filter(None, by)]), style=style, padding=STATE_PADDING)
                    continue
                elif name == "Estimate" and item.will_not_fit:
                    row.cell(f"{item.estimate_text}\n**{WILL_NOT_FIT}**", style=LATE)
                    continue
                else:
                    value = values[name]
                    text, cut = _cut(pdf, value, width_of[name], CELL_MAX_LINES)
                    row.cell(literal(text))
                if cut:
                    overflow.append((item, name, value))
    pdf.ln(2)
    for item, name, value in overflow:
        title = " ".join(item.title.split())
        label = STACK_CONTINUED if name == "Item" and item.stacked else CONTINUED_LABELS[name]
        pdf.paragraph(f"{label} of “{title[:80]}{'…' if len(title) > 80 else ''}”", size=9, style="B")
        pdf.paragraph(value, size=9)
        pdf.ln(2)


def checkins_table(pdf: PlanPDF, checkins: list[CheckIn]) -> None:
    """One row per check-in: when and on which version, by whom, its counts, and its note."""
    scale = pdf.epw / sum(CHECKIN_SHARES)
    overflow: list[CheckIn] = []
    with _table(pdf, CHECKIN_SHARES, markdown=True) as table:
        heading = table.row()
        for text in ["Check-in", "By"]:
            heading.cell(text)
        for state in STATES:
            heading.cell(STATE_LABELS[state], style=FontFace(size_pt=8, color=STATE_INKS[state]))
        heading.cell("Note")
        for checkin in checkins:
            moment = human_datetime(checkin.at).replace(", ", ",\n", 1)
            version = f"\nPlan version {checkin.version}" if checkin.version else ""
            row = table.row()
            row.cell(f"**#{checkin.number}**\n{moment}{version}", style=FontFace(size_pt=8))
            row.cell(literal(checkin.by or "—"))
            for state in STATES:
                row.cell(str(checkin.counts[state]))
            note, cut = _cut(pdf, checkin.note, CHECKIN_SHARES[-1] * scale, CELL_MAX_LINES)
            row.cell(literal(note))
            if cut:
                overflow.append(checkin)
    pdf.ln(2)
    for checkin in overflow:
        pdf.paragraph(f"Note of check-in #{checkin.number}", size=9, style="B")
        pdf.paragraph(checkin.note, size=9)
        pdf.ln(2)


def changes_table(pdf: PlanPDF, plan: PlanDocument) -> None:
    """What changed in the accepted plan since the version before: one row per change."""
    changes = plan.changes
    assert changes is not None
    with _table(pdf, CHANGE_SHARES) as table:
        table.row(["Change", "Item", f"Version {changes.since}", plan.version_label])
        for change in changes:
            label, before, after = describe_change(change)
            row = table.row()
            row.cell(label, style=BOLD)
            for text in (change.title, before, after):
                row.cell(text)
    pdf.ln(1)


def participants_table(pdf: PlanPDF, participants: list[tuple[str, str]]) -> None:
    with _table(pdf, [120, 54], padding=1.2, line_height=4.6) as table:
        table.row(["Name", "Role"])
        for name, role in participants:
            table.row([name, role.capitalize()], style=FontFace(size_pt=9.5))


def people_table(pdf: PlanPDF, people: list[PersonLoad]) -> None:
    """Each owner's load: their share of the estimates of the accepted items they own, and how many."""
    peak = max(person.hours for person in people) or 1
    with _table(pdf, PEOPLE_SHARES, padding=1.2, line_height=4.6, text_align=PEOPLE_ALIGN) as table:
        heading = table.row()
        heading.cell("Owner")
        heading.cell("Load", colspan=2, align="RIGHT")
        heading.cell("Accepted items")
        for person in people:
            row = table.row(style=FontFace(size_pt=9.5))
            row.cell(person.name)
            row.cell(img=_bar(round(person.hours / peak, 3)), img_fill_width=True, padding=BAR_PADDING)
            row.cell(person.hours_text)
            row.cell(str(person.items))
