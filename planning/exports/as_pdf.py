"""The plan as an A4 PDF people can hand on: selectable text, numbered pages.

fpdf2 draws text as text (nothing a member typed is interpreted as markup)
and embeds a subset of Fira Sans, which covers Latin, Greek and Cyrillic.

Text is broken into lines here, and tables laid out here, not by fpdf2's `multi_cell()` and
`table()`: fpdf2's line breaker measures the line so far again for every character it adds, and
its table breaks every cell twice (once to size the row, once to draw it), which was four fifths
of the time of a 500-item plan. Here each text is broken once, in one pass over its characters
with the font's glyph widths, at the same places fpdf2 breaks it, and each line is drawn with
`cell()`: the same text, at the same places, as before.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import NamedTuple

import fontpkg_fira_sans
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR, HYPHEN, NBSP, SOFT_HYPHEN, SPACE

from planning.exports.document import (
    DRAFT_HEADING,
    STATE_LABELS,
    STATES,
    CheckIn,
    PlanDocument,
    PlanItem,
    Summary,
    describe_change,
    human_date,
    human_datetime,
)

FONT = "Fira"
INK = (29, 35, 43)
MUTED = (91, 100, 112)
ACCENT = (36, 86, 166)
WARN = (154, 61, 0)
RULE = (217, 214, 207)
SHADE = (240, 238, 233)
PANEL = (247, 246, 242)
# Each progress state's colour, from Okabe and Ito's palette, which readers with a colour vision
# deficiency tell apart; the state's word is always printed next to it, so colour is never alone.
# FILLS are for bars and markers, and INKS, darker, for the words (legible on white).
STATE_FILLS = {
    "done": (0, 158, 115),
    "on_track": (0, 114, 178),
    "at_risk": (230, 159, 0),
    "blocked": (213, 94, 0),
    "none": (196, 199, 204),
}
STATE_INKS = {
    "done": (0, 110, 80),
    "on_track": (0, 90, 150),
    "at_risk": (150, 95, 0),
    "blocked": (180, 60, 0),
    "none": MUTED,
}
MARKER_RADIUS, MARKER_SPACE = 1.1, 3.4
CELL_LINE_HEIGHT = 4.6
CELL_PADDING = 1.4
PARTICIPANT_PADDING = 1.2
# A row is kept on one page (as fpdf2's table() kept it: it could not split one), and 4000
# characters of notes are taller than a page: a cell is cut at this many lines and printed in full
# after its table. 30 lines and the padding (141 mm) always fit on a page under the headings.
CELL_MAX_LINES = 30
CONTINUED = "… continued below the table"
CONTINUED_LABELS = {"Item": "Notes", "Lane": "Lane", "Owners": "Owners"}
# Relative widths of the item tables' columns: a table's columns share the text width in these
# proportions (millimetres in the accepted items' table, whose columns add up to the 174 mm text
# width). The item's title, with its notes under it, takes most of the width, so that a title
# reads on one line or two rather than as a column of short lines; Due and Votes just hold
# "29 Sep 2030" and "hidden" on one line.
COLUMN_SHARES = {"Item": 101, "Lane": 24, "Status": 18, "Owners": 38, "Due": 21, "Votes": 14}
# An agreed version's accepted items have a Progress column too: the state's word with its
# marker, who reported it and when; the update's note and the helpers go under the item's notes.
PROGRESS_SHARES = {"Item": 84, "Progress": 25, "Owners": 32, "Due": 21, "Votes": 12}
# The check-ins' table: the check-in (number, time, plan version), who, the five counts, the note.
CHECKIN_SHARES = [23, 22, *[14.5] * len(STATES), 56.5]
CHANGE_SHARES = [16, 80, 38, 40]
# The summary box lists this many owners at most (the last line then says how many more).
SUMMARY_OWNERS = 6
# "Needs attention" in the summary box lists this many items at most; the lanes have them all.
SUMMARY_ATTENTION = 6
# The check-ins' chart: its plot height, and the widest a bar's slot gets with few check-ins.
CHART_HEIGHT, CHART_SLOT = 36.0, 24.0
# Room a heading keeps under it on its page: the chart, with its labels and legend; a table's
# heading row and first row.
CHART_ROOM, TABLE_ROOM = 66.0, 24.0


class TextStyle(NamedTuple):
    """How a run of lines in a table cell is set: font style and size, colour, line height, and
    the colour of a round marker before the first line, if any."""

    style: str
    size: float
    color: tuple[int, int, int]
    line_height: float
    marker: tuple[int, int, int] | None = None


CELL = TextStyle("", 9, INK, CELL_LINE_HEIGHT)
HEADING_CELL = TextStyle("B", 9, INK, CELL_LINE_HEIGHT)
TITLE_CELL = TextStyle("", 9.5, INK, 4.8)
NOTE_CELL = TextStyle("", 8, MUTED, 3.8)
PARTICIPANT_CELL = TextStyle("", 9.5, INK, CELL_LINE_HEIGHT)
UPDATE_CELL = TextStyle("I", 8, INK, 3.8)
HELP_CELL = TextStyle("B", 8, ACCENT, 3.8)
BYLINE_CELL = TextStyle("", 8, MUTED, 3.8)
STATE_CELLS = {
    state: TextStyle("B", 9, STATE_INKS[state], CELL_LINE_HEIGHT, marker=STATE_FILLS[state]) for state in STATES
}
STATE_HEADINGS = {state: TextStyle("B", 8.5, STATE_INKS[state], 4.2) for state in STATES}
# A table cell: runs of lines, each set in its own style (an item's title, then its notes smaller).
Block = tuple[TextStyle, list[str]]
Cell = list[Block]


# Where fpdf2's line breaker may break a line (it drops the space it breaks at), and the slack
# of its width comparison (fpdf.util.FloatTolerance): the same here, so lines break where they did.
BREAKING_SPACES = frozenset(BREAKING_SPACE_SYMBOLS_STR)
WIDTH_TOLERANCE = 1e-9


@cache
def _font_files() -> dict[str, Path]:
    files = Path(fontpkg_fira_sans.ROOT) / "files"
    return {"": files / "FiraSans-Regular.ttf", "B": files / "FiraSans-Bold.ttf", "I": files / "FiraSans-Italic.ttf"}


class PlanPDF(FPDF):
    def __init__(self, plan: PlanDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.plan = plan
        for style, path in _font_files().items():
            self.add_font(FONT, style, path)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(plan.title)
        self.set_subject(plan.short_status)
        self.set_creator("Rallypoint")
        self.set_lang("en")
        # fpdf2 puts the page count wherever its alias appears, in what members typed too: a
        # "{nb}" in an item's title would print as a number. This alias is new for every
        # document, from the private use area: nobody can type it into the plan beforehand.
        self.page_count_alias = "{" + "".join(chr(0xE000 + secrets.randbelow(0x1900)) for _ in range(2)) + "}"
        self.alias_nb_pages(self.page_count_alias)

    def header(self) -> None:
        if self.plan.is_draft:
            self.set_font(FONT, "B", 9)
            self.set_text_color(*WARN)
            self.cell(0, 5, DRAFT_HEADING.upper(), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_y(-11)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        width = (self.w - self.l_margin - self.r_margin) / 2
        self.cell(width, 5, self.plan.short_status, align="L")
        self.cell(width, 5, f"Page {self.page_no()} of {self.page_count_alias}", align="R")

    # Building blocks

    def heading(self, text: str, size: float = 14, *, keep: float = 0) -> None:
        """A heading, on the next page if it and `keep` mm under it do not fit on this one."""
        if self.will_page_break(size + 14 + keep):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.set_text_color(*INK)
        self.text_block(text, size * 0.5)
        self.ln(1.5)

    def paragraph(self, text: str, *, size: float = 10.5, style: str = "", color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.text_block(text, size * 0.5)

    def text_block(self, text: str, height: float) -> None:
        """`text` from the current x to the right margin, `height` per line, ending at the left margin.

        What `multi_cell(0, height, text, align="L", new_x=LMARGIN, new_y=NEXT)` printed, with the
        text broken by wrap(): a plan's criteria list every accepted item, one paragraph each, and
        multi_cell's line breaker made them a third of the time once the tables were fast.
        """
        x = self.x
        width = self.w - self.r_margin - x
        for line in self.wrap(text, width - 2 * self.c_margin):  # cell() insets its text by c_margin
            self.cell(width, height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)  # may start a new page
        self.set_x(self.l_margin)
        if text.replace("\r", "").endswith("\n"):  # multi_cell leaves a blank line after a final line break
            self.ln(height)

    # Text in columns

    def wrap(self, text: str, width: float) -> list[str]:
        """The lines `multi_cell()` prints `text` in, `width` wide with no inner margin, in the current font.

        fpdf2's own line breaker measures the whole line again for every character it adds; this
        is the same algorithm (fpdf.line_break.MultiLineBreak, word wrap) with the line's width
        kept as a running sum of glyph widths, so a cell costs one pass over its characters. It
        breaks at the last space that fits and drops that space, shows a soft hyphen as "-" only
        where it breaks, breaks a word longer than the line where it overflows, and keeps "\\n".
        """
        font = self.current_font
        if not isinstance(font, TTFFont):  # the glyph widths below are a TrueType font's
            raise TypeError("the plan's text needs an embedded TrueType font")
        glyph_widths, size_pt, k = font.cw, self.font_size_pt, self.k
        text = text.replace("\r", "")
        lines: list[str] = []
        line: list[str] = []
        line_units: float = 0
        line_width = 0.0
        # Where the line may still be broken: (characters kept, their width, index to go on from).
        space: tuple[int, float, int] | None = None
        soft_hyphen: tuple[int, float, int] | None = None
        index = 0
        while index < len(text):
            char = text[index]
            if char in "\n\f":
                lines.append("".join(line))
                line, line_units, line_width, space, soft_hyphen = [], 0, 0.0, None, None
                index += 1
                continue
            # fpdf2's expression, term by term, so that a line breaks exactly where it did before.
            char_width = glyph_widths[ord(HYPHEN if char == SOFT_HYPHEN else char)] * size_pt * 0.001 / k
            # A character wider than the whole line stays on it (fpdf2 raises an error instead).
            if line and line_width + char_width - width > WIDTH_TOLERANCE:
                if char in BREAKING_SPACES:
                    lines.append("".join(line))
                    index += 1
                elif soft_hyphen and (space is None or soft_hyphen[1] > space[1]):
                    lines.append("".join(line[: soft_hyphen[0]]) + HYPHEN)
                    index = soft_hyphen[2]
                elif space:
                    lines.append("".join(line[: space[0]]))
                    index = space[2]
                else:
                    lines.append("".join(line))
                line, line_units, line_width, space, soft_hyphen = [], 0, 0.0, None, None
                continue
            if char == SOFT_HYPHEN:
                soft_hyphen = (len(line), line_units, index + 1)
                index += 1
                continue
            if char in BREAKING_SPACES:
                space = (len(line), line_units, index + 1)
            elif char == NBSP:  # fpdf2 prints it as a space
                char = SPACE
            line.append(char)
            line_units += glyph_widths[ord(char)]
            line_width = line_units * size_pt * 0.001 / k
            index += 1
        if line_width:
            lines.append("".join(line))
        return lines or [""]

    def column_widths(self, shares: Sequence[float]) -> list[float]:
        """The columns' widths: the text width shared in these proportions, as fpdf2's table() shared it."""
        total = sum(shares)
        return [share / total * self.epw for share in shares]

    def cell_lines(
        self, text: str, width: float, padding: float, style: TextStyle = CELL, *, limit: int | None = None
    ) -> tuple[Block, bool]:
        """The lines of a table cell `width` wide in `style`, none for no text; whether they were cut.

        With `limit`, a cell of more lines ends with CONTINUED instead, within `limit` lines, so that
        its row fits on a page; the caller prints the whole text after the table.
        """
        if not text:
            return (style, []), False
        self.set_font(FONT, style.style, style.size)
        room = width - 2 * padding - (MARKER_SPACE if style.marker else 0)
        lines = self.wrap(text, room)
        if limit is None or len(lines) <= limit:
            return (style, lines), False
        marker = self.wrap(CONTINUED, room)
        return (style, [*lines[: max(0, limit - len(marker))], *marker]), True

    def fit(self, text: str, width: float) -> str:
        """`text` on one line `width` wide in the current font, cut with "…" where it does not fit."""
        text = " ".join(text.split())
        if self.get_string_width(text) <= width:
            return text
        return self.wrap(text, width - self.get_string_width("…"))[0].rstrip() + "…"

    def two_lines(self, text: str, width: float) -> list[str]:
        """`text` in at most two lines `width` wide in the current font, the second cut with "…"."""
        lines = self.wrap(" ".join(text.split()), width)
        return lines if len(lines) <= 2 else [lines[0], self.fit(" ".join(lines[1:]), width)]

    def ruled_table(
        self,
        headings: list[str],
        rows: list[list[Cell]],
        widths: list[float],
        padding: float,
        heading_styles: Sequence[TextStyle] | None = None,
    ) -> None:
        """A table at the left margin: a shaded bold heading row, then `rows`, each as tall as its
        tallest cell, with each cell's text at its top.

        A row that does not fit on the page starts the next one, under the headings again, and the
        headings never end a page alone. Rules run between rows, as fpdf2's HORIZONTAL_LINES drew them.
        """
        styles = heading_styles or [HEADING_CELL] * len(headings)
        heading = [
            [self.cell_lines(text, width, padding, style)[0]]
            for text, width, style in zip(headings, widths, styles, strict=True)
        ]
        heading_height = self.row_height(heading, padding)
        heights = [self.row_height(row, padding) for row in rows]
        if self.will_page_break(heading_height + (heights[0] if heights else 0)):
            self.add_page()
        self.table_row(heading, widths, heading_height, padding, heading=True, ruled=bool(rows))
        for number, (row, height) in enumerate(zip(rows, heights, strict=True)):
            if self.will_page_break(height):
                self.add_page()
                self.table_row(heading, widths, heading_height, padding, heading=True, ruled=True)
            self.table_row(row, widths, height, padding, ruled=number < len(rows) - 1)
        self.set_text_color(*INK)

    @staticmethod
    def row_height(cells: list[Cell], padding: float) -> float:
        """The height of the row's tallest cell; a row of empty cells is one line high."""
        return max(
            (
                sum(len(lines) * style.line_height for style, lines in cell) + 2 * padding
                for cell in cells
                if any(lines for _, lines in cell)
            ),
            default=CELL_LINE_HEIGHT,
        )

    def table_row(
        self,
        cells: list[Cell],
        widths: list[float],
        height: float,
        padding: float,
        *,
        heading: bool = False,
        ruled: bool,
    ) -> None:
        """Draw one row at the current y and move below it; `ruled` draws the rule under it."""
        top, left, right = self.y, self.l_margin, self.l_margin + sum(widths)
        if heading:
            with self.local_context(fill_color=SHADE):
                self.rect(left, top, right - left, height, style="F")
        x = left
        for cell, width in zip(cells, widths, strict=True):
            y = top + padding
            for style, lines in cell:
                if not lines:
                    continue
                self.set_font(FONT, style.style, style.size)
                self.set_text_color(*style.color)
                indent = 0.0
                if style.marker:
                    indent = MARKER_SPACE
                    self.marker(x + padding + MARKER_RADIUS, y + style.line_height / 2, style.marker)
                for line in lines:
                    # cell() insets its text by c_margin; a table cell's text is inset by the padding alone.
                    self.set_xy(x + padding + indent - self.c_margin, y)
                    self.cell(width - 2 * padding - indent, style.line_height, line)
                    y += style.line_height
            x += width
        if ruled:
            self.line(left, top + height, right, top + height)
        self.set_xy(left, top + height)

    def marker(self, x: float, y: float, color: tuple[int, int, int]) -> None:
        """A round marker centred on (x, y): a progress state's colour, next to its word."""
        with self.local_context(fill_color=color):
            self.circle(x, y, MARKER_RADIUS, style="F")

    def items_table(self, items: list[PlanItem], *, columns: list[str], shares: dict[str, float] | None = None) -> None:
        """Items, one row each; the first column is the title with the notes under it, smaller,
        then (with a Progress column) the latest update's note and who offered help."""
        widths = self.column_widths([(shares or COLUMN_SHARES)[name] for name in columns])
        rows: list[list[Cell]] = []
        overflow: list[tuple[PlanItem, str, str]] = []
        for item in items:
            values = {
                "Lane": item.lane,
                "Status": item.status.capitalize(),
                "Owners": ", ".join(item.owners) or "Nobody",
                "Due": item.due_text,
                "Votes": "hidden" if item.votes is None else str(item.votes),
            }
            row: list[Cell] = []
            for name, width in zip(columns, widths, strict=True):
                if name == "Item":
                    title, _ = self.cell_lines(item.title, width, CELL_PADDING, TITLE_CELL)
                    after: Cell = []
                    if "Progress" in columns:
                        note = item.progress.note if item.progress else ""
                        after.append(
                            self.cell_lines(f"Update: {note}" if note else "", width, CELL_PADDING, UPDATE_CELL)[0]
                        )
                        helpers = f"Help: {', '.join(item.helpers)}" if item.helpers else ""
                        after.append(self.cell_lines(helpers, width, CELL_PADDING, HELP_CELL)[0])
                    room = CELL_MAX_LINES - len(title[1]) - sum(len(lines) for _, lines in after)
                    notes, cut = self.cell_lines(item.notes, width, CELL_PADDING, NOTE_CELL, limit=max(room, 1))
                    text = item.notes
                    row.append([title, notes, *after])
                elif name == "Progress":
                    state, _ = self.cell_lines(STATE_LABELS[item.state], width, CELL_PADDING, STATE_CELLS[item.state])
                    byline = "\n".join(filter(None, [item.progress.by, item.progress.at_text])) if item.progress else ""
                    row.append([state, self.cell_lines(byline, width, CELL_PADDING, BYLINE_CELL)[0]])
                    continue
                else:
                    text = values[name]
                    block, cut = self.cell_lines(text, width, CELL_PADDING, limit=CELL_MAX_LINES)
                    row.append([block])
                if cut:
                    overflow.append((item, name, text))
            rows.append(row)
        self.ruled_table(columns, rows, widths, CELL_PADDING)
        self.ln(2)
        for item, name, text in overflow:
            title = " ".join(item.title.split())
            self.paragraph(
                f"{CONTINUED_LABELS[name]} of “{title[:80]}{'…' if len(title) > 80 else ''}”", size=9, style="B"
            )
            self.paragraph(text, size=9)
            self.ln(2)

    def summary_box(self, plan: PlanDocument, summary: Summary) -> None:
        """The plan at a glance, in a shaded box: key figures, who owns how much, what is due first.

        Everything is measured first, so that the box is drawn under its text at its full height;
        it is a few lines per owner and due date, and always fits on the first page.
        """
        pad, gap, line = 5.0, 8.0, 4.8
        left, top, width = self.l_margin, self.y + 3, self.epw
        inner = width - 2 * pad
        figures = [
            (str(summary.accepted), "accepted item" if summary.accepted == 1 else "accepted items", INK),
            (str(len(summary.owner_load)), "owner" if len(summary.owner_load) == 1 else "owners", INK),
        ]
        if summary.criteria_total:
            served = f"{summary.criteria_served} of {summary.criteria_total}"
            color = INK if summary.criteria_served == summary.criteria_total else WARN
            figures.append((served, "criteria served", color))
        if plan.confidence and plan.confidence["mean"] is not None:
            answers = _count(plan.confidence_answers, "answer")
            figures.append((f"{plan.confidence['mean']:.1f} of 5", f"confidence ({answers})", INK))
        tile = inner / max(len(figures), 4)
        self.set_font(FONT, "", 8.5)
        labels = [self.wrap(label, tile - 4)[:2] for _, label, _ in figures]
        figures_height = 8.5 + max(len(lines) for lines in labels) * 4.0

        owners_width = (inner - gap) * 0.38
        due_width = inner - gap - owners_width
        bar_room, count_width, date_width = 11.0, 13.0, 21.0
        name_width = owners_width - bar_room - count_width - 2
        owners = summary.owner_load
        shown = owners if len(owners) <= SUMMARY_OWNERS else owners[: SUMMARY_OWNERS - 1]
        owner_lines = max(1, len(shown) + (len(owners) > len(shown)))
        self.set_font(FONT, "", 9)
        due_titles = [self.two_lines(item.title, due_width - date_width - 2) for item in summary.next_due]
        due_lines = sum(len(lines) for lines in due_titles) + bool(summary.due_remark)
        notes: list[tuple[str, tuple[int, int, int]]] = []
        if summary.unowned:
            notes.append((f"{_count(summary.unowned, 'accepted item')} without an owner yet.", WARN))
        for criterion in summary.unserved:
            notes.append((f"Not served by any accepted item: {criterion.number}. {criterion.text}", WARN))
        note_lines = [(color, self.wrap(text, inner)) for text, color in notes]
        notes_height = sum(len(lines) for _, lines in note_lines) * 4.6 + (3 if notes else 0)
        progress_top = top + pad + figures_height + 5
        progress_height = self.progress_panel(summary, left + pad, progress_top, inner, draw=False)
        body_top = progress_top + progress_height
        height = body_top - top + 6 + max(owner_lines, due_lines) * line + notes_height + pad - 1
        with self.local_context(fill_color=PANEL, draw_color=RULE):
            self.rect(left, top, width, height, style="DF")
        with self.local_context(fill_color=ACCENT):
            self.rect(left, top, 1.4, height, style="F")

        # Key figures, side by side.
        for index, ((value, _, color), label) in enumerate(zip(figures, labels, strict=True)):
            x = left + pad + index * tile - self.c_margin
            self.set_xy(x, top + pad)
            self.set_font(FONT, "B", 17)
            self.set_text_color(*color)
            self.cell(tile - 2, 8, value)
            self.set_font(FONT, "", 8.5)
            self.set_text_color(*MUTED)
            for number, text in enumerate(label):
                self.set_xy(x, top + pad + 8.5 + number * 4.0)
                self.cell(tile - 2, 4.0, text)

        self.progress_panel(summary, left + pad, progress_top, inner, draw=True)

        # Who owns how much, and what is due first, side by side.
        owners_x, due_x = left + pad - self.c_margin, left + pad + owners_width + gap - self.c_margin
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*ACCENT)
        for x, column_width, text in [(owners_x, owners_width, "WHO OWNS WHAT"), (due_x, due_width, "DUE FIRST")]:
            self.set_xy(x, body_top)
            self.cell(column_width, 5, text)
        y = body_top + 6
        self.set_font(FONT, "", 9)
        peak = owners[0][1] if owners else 1
        for number, (name, load) in enumerate(shown):
            row_y = y + number * line
            self.set_text_color(*INK)
            self.set_xy(owners_x, row_y)
            self.cell(name_width, line, self.fit(name, name_width - 2))
            with self.local_context(fill_color=ACCENT):
                self.rect(owners_x + self.c_margin + name_width, row_y + 1.3, bar_room * load / peak, 2.2, style="F")
            self.set_xy(owners_x + name_width + bar_room + 2, row_y)
            self.cell(count_width, line, _count(load, "item"), align="R")
        self.set_text_color(*MUTED)
        if len(owners) > len(shown):
            rest = owners[len(shown) :]
            self.set_xy(owners_x, y + len(shown) * line)
            self.cell(owners_width, line, f"and {len(rest)} more, with {_count(sum(n for _, n in rest), 'item')}")
        elif not owners:
            self.set_xy(owners_x, y)
            self.cell(owners_width, line, "Nobody owns an item yet.")
        row_y = y
        for item, lines in zip(summary.next_due, due_titles, strict=True):
            self.set_font(FONT, "B", 9)
            self.set_text_color(*INK)
            self.set_xy(due_x, row_y)
            self.cell(date_width, line, item.due_text)
            self.set_font(FONT, "", 9)
            for text in lines:
                self.set_xy(due_x + date_width, row_y)
                self.cell(due_width - date_width, line, text)
                row_y += line
        if summary.due_remark:
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.set_xy(due_x, row_y)
            self.cell(due_width, line, self.fit(summary.due_remark, due_width - 2))
        y += max(owner_lines, due_lines) * line + (3 if notes else 0)
        self.set_font(FONT, "", 9)
        for color, lines in note_lines:
            self.set_text_color(*color)
            for text in lines:
                self.set_xy(left + pad - self.c_margin, y)
                self.cell(inner, 4.6, text)
                y += 4.6
        self.set_text_color(*INK)
        self.set_xy(left, top + height + 2)

    def label(self, x: float, y: float, width: float, text: str) -> None:
        """A small capitalised label over a part of the summary box."""
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*ACCENT)
        self.set_xy(x - self.c_margin, y)
        self.cell(width, 5, text)

    def stacked_bar(self, x: float, y: float, width: float, height: float, counts: dict[str, int]) -> None:
        """One bar, left to right, of each state's share of the items; a thin gap between parts."""
        total = sum(counts.values())
        if not total:
            return
        for state in STATES:
            part = width * counts[state] / total
            if part:
                with self.local_context(fill_color=STATE_FILLS[state]):
                    self.rect(x, y, max(part - 0.4, 0.2), height, style="F")
                x += part

    def legend(self, x: float, y: float, entries: list[tuple[str, str]], size: float = 8.5) -> float:
        """Markers with their words, side by side from (x, y), for the state of each entry; the x after them."""
        self.set_font(FONT, "", size)
        self.set_text_color(*INK)
        for state, text in entries:
            self.marker(x + MARKER_RADIUS, y + 2.2, STATE_FILLS[state])
            self.set_xy(x + MARKER_SPACE - self.c_margin, y)
            text_width = self.get_string_width(text)
            self.cell(text_width + 2 * self.c_margin, 4.4, text)
            x += MARKER_SPACE + text_width + 4.5
        return x

    def progress_panel(self, summary: Summary, x: float, y: float, width: float, *, draw: bool) -> float:
        """How the accepted items are going, in the summary box: the counts in words, a bar of them
        with its legend, and the items blocked or at risk. Returns its height; draws it with `draw`."""
        counts = summary.progress
        if counts is None:
            return 0.0
        start = y
        if draw:
            self.label(x, y, width, "PROGRESS")
            self.set_font(FONT, "B", 10.5)
            self.set_text_color(*INK)
            self.set_xy(x + 24 - self.c_margin, y - 0.3)
            self.cell(width - 24, 5.5, summary.progress_line)
            self.stacked_bar(x, y + 7, width, 4.2, counts)
            self.legend(x, y + 13, [(state, f"{STATE_LABELS[state]} {counts[state]}") for state in STATES])
        y += 20
        shown = summary.attention[:SUMMARY_ATTENTION]
        if draw:
            self.label(x, y, width, "NEEDS ATTENTION")
        y += 6
        if not shown:
            if draw:
                self.set_font(FONT, "", 9)
                self.set_text_color(*MUTED)
                self.set_xy(x - self.c_margin, y)
                self.cell(width, 4.8, "Nothing is blocked or at risk.")
            return y + 4.8 + 4 - start
        state_width, owners_width = 22.0, 44.0
        title_width = width - state_width - owners_width - 2
        for item in shown:
            note = item.progress.note if item.progress else ""
            if draw:
                self.marker(x + MARKER_RADIUS, y + 2.4, STATE_FILLS[item.state])
                self.set_font(FONT, "B", 9)
                self.set_text_color(*STATE_INKS[item.state])
                self.set_xy(x + MARKER_SPACE - self.c_margin, y)
                self.cell(state_width - MARKER_SPACE, 4.8, STATE_LABELS[item.state])
                self.set_text_color(*INK)
                self.set_xy(x + state_width - self.c_margin, y)
                self.cell(title_width, 4.8, self.fit(item.title, title_width - 2))
                self.set_font(FONT, "", 9)
                self.set_text_color(*MUTED)
                self.set_xy(x + width - owners_width - self.c_margin, y)
                self.cell(owners_width, 4.8, self.fit(", ".join(item.owners) or "Nobody", owners_width - 2), align="R")
            y += 4.8
            if note:
                if draw:
                    self.set_font(FONT, "I", 8.5)
                    self.set_text_color(*INK)
                    self.set_xy(x + state_width - self.c_margin, y)
                    self.cell(width - state_width, 4.2, self.fit(note, width - state_width - 2))
                y += 4.2
            y += 0.8
        rest = len(summary.attention) - len(shown)
        if rest:
            if draw:
                self.set_font(FONT, "", 9)
                self.set_text_color(*MUTED)
                self.set_xy(x + state_width - self.c_margin, y)
                self.cell(width - state_width, 4.8, f"and {rest} more: see the plan, lane by lane")
            y += 4.8
        return y + 4 - start

    def checkins_section(self, plan: PlanDocument) -> None:
        """The check-ins so far: a chart of the states at each, its legend, and the table with the notes."""
        checkins = plan.checkins
        if checkins is None:
            return
        self.heading("Check-ins", keep=CHART_ROOM if checkins else 0)
        if not checkins:
            self.paragraph("No check-in yet.", size=9.5, color=MUTED)
            return
        self.checkins_chart(checkins)
        self.checkins_table(checkins)

    def checkins_chart(self, checkins: list[CheckIn]) -> None:
        """One stacked bar per check-in, oldest on the left, each as tall as the items it counted."""
        axis = 12.0
        legend_height, labels_height = 8.0, 10.0
        if self.will_page_break(CHART_HEIGHT + labels_height + legend_height + 6):
            self.add_page()
        top = self.y + 6
        left = self.l_margin + axis
        plot = self.epw - axis
        slot = min(CHART_SLOT, plot / len(checkins))
        bar = slot * 0.62
        peak = max(max(checkin.total for checkin in checkins), 1)
        bottom = top + CHART_HEIGHT
        # Gridlines at whole numbers of items: 0, the peak, and the middle when it is a whole number.
        ticks = sorted({0, peak, *([peak // 2] if peak >= 4 and peak % 2 == 0 else [])})
        self.set_font(FONT, "", 7.5)
        self.set_draw_color(*RULE)
        for tick in ticks:
            y = bottom - CHART_HEIGHT * tick / peak
            self.line(left, y, left + plot, y)
            self.set_text_color(*MUTED)
            self.set_xy(self.l_margin - self.c_margin, y - 2)
            self.cell(axis - 2, 4, str(tick), align="R")
        # Label every bar while they are wide enough; else every n-th one, and the last.
        every = max(1, round(12 / slot))
        previous_version = checkins[0].version
        for index, checkin in enumerate(checkins):
            x = left + index * slot + (slot - bar) / 2
            y = bottom
            for state in STATES:
                height = CHART_HEIGHT * checkin.counts[state] / peak
                if height:
                    with self.local_context(fill_color=STATE_FILLS[state]):
                        self.rect(x, y - height, bar, max(height - 0.3, 0.2), style="F")
                    y -= height
            if checkin.version != previous_version and checkin.version is not None:
                # A new plan version was agreed before this check-in: a dashed line and its number.
                line_x = left + index * slot
                with self.local_context(draw_color=MUTED, line_width=0.2):
                    self.set_dash_pattern(dash=0.8, gap=0.8)
                    self.line(line_x, top - 2, line_x, bottom)
                    self.set_dash_pattern()
                self.set_font(FONT, "B", 7.5)
                self.set_text_color(*MUTED)
                self.set_xy(line_x + 0.6 - self.c_margin, top - 4.5)
                self.cell(20, 3.5, f"Version {checkin.version}")
            previous_version = checkin.version
            if index % every == 0 or index == len(checkins) - 1:
                self.set_font(FONT, "B", 7.5)
                self.set_text_color(*INK)
                self.set_xy(left + index * slot - self.c_margin, bottom + 1)
                self.cell(slot + 2 * self.c_margin, 3.6, f"#{checkin.number}", align="C")
                self.set_font(FONT, "", 7)
                self.set_text_color(*MUTED)
                self.set_xy(left + index * slot - 2 - self.c_margin, bottom + 4.4)
                day = human_date(checkin.at.astimezone(UTC).date())
                self.cell(slot + 4 + 2 * self.c_margin, 3.4, day.rsplit(" ", 1)[0], align="C")
        end = self.legend(left, bottom + labels_height, [(state, STATE_LABELS[state]) for state in STATES])
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        self.set_xy(end + 2 - self.c_margin, bottom + labels_height)
        self.cell(0, 4.4, "Accepted items by state at each check-in")
        self.set_xy(self.l_margin, bottom + labels_height + legend_height)

    def checkins_table(self, checkins: list[CheckIn]) -> None:
        widths = self.column_widths(CHECKIN_SHARES)
        headings = ["Check-in", "By", *(STATE_LABELS[state] for state in STATES), "Note"]
        styles = [HEADING_CELL, HEADING_CELL, *(STATE_HEADINGS[state] for state in STATES), HEADING_CELL]
        rows: list[list[Cell]] = []
        overflow: list[CheckIn] = []
        for checkin in checkins:
            moment = human_datetime(checkin.at).replace(", ", ",\n", 1)
            version = f"Plan version {checkin.version}" if checkin.version else ""
            when = [
                self.cell_lines(f"#{checkin.number}", widths[0], CELL_PADDING, HEADING_CELL)[0],
                self.cell_lines(f"{moment}\n{version}".strip(), widths[0], CELL_PADDING, BYLINE_CELL)[0],
            ]
            by = [self.cell_lines(checkin.by or "—", widths[1], CELL_PADDING)[0]]
            counts = [
                [self.cell_lines(str(checkin.counts[state]), width, CELL_PADDING)[0]]
                for state, width in zip(STATES, widths[2:-1], strict=True)
            ]
            note, cut = self.cell_lines(checkin.note, widths[-1], CELL_PADDING, limit=CELL_MAX_LINES)
            if cut:
                overflow.append(checkin)
            rows.append([when, by, *counts, [note]])
        self.ruled_table(headings, rows, widths, CELL_PADDING, heading_styles=styles)
        self.ln(2)
        for checkin in overflow:
            self.paragraph(f"Note of check-in #{checkin.number}", size=9, style="B")
            self.paragraph(checkin.note, size=9)
            self.ln(2)

    def changes_table(self, plan: PlanDocument) -> None:
        """What changed in the accepted plan since the version before: one row per change."""
        changes = plan.changes
        if changes is None:
            return
        self.heading(f"Changed since version {changes.since}")
        if not changes:
            self.paragraph(
                f"Nothing in the accepted plan changed since version {changes.since}.", size=9.5, color=MUTED
            )
            return
        widths = self.column_widths(CHANGE_SHARES)
        rows: list[list[Cell]] = []
        for change in changes:
            label, before, after = describe_change(change)
            texts = [(label, HEADING_CELL), (change.title, CELL), (before, CELL), (after, CELL)]
            rows.append(
                [
                    [self.cell_lines(text, width, CELL_PADDING, style)[0]]
                    for (text, style), width in zip(texts, widths, strict=True)
                ]
            )
        headings = ["Change", "Item", f"Version {changes.since}", plan.version_label]
        self.ruled_table(headings, rows, widths, CELL_PADDING)
        self.ln(1)

    def histogram(self, counts: list[int], mean: float | None) -> None:
        if self.will_page_break(48):
            self.add_page()
        top = self.get_y() + 2
        bar_width, gap, height = 14.0, 6.0, 30.0
        peak = max(counts) or 1
        self.set_font(FONT, "", 9)
        for score, count in enumerate(counts):
            x = self.l_margin + score * (bar_width + gap)
            bar = height * count / peak
            self.set_fill_color(*ACCENT)
            if bar:
                self.rect(x, top + height - bar, bar_width, bar, style="F")
            self.set_text_color(*INK)
            self.set_xy(x, top + height - bar - 5)
            self.cell(bar_width, 5, str(count), align="C")
            self.set_xy(x, top + height + 1)
            self.set_text_color(*MUTED)
            self.cell(bar_width, 5, f"{score}", align="C")
        self.set_xy(self.l_margin, top + height + 8)
        answers = sum(counts)
        summary = f"Mean {mean:.2f} of 5 from {answers} answers." if mean is not None else "No answers."
        self.paragraph("Scores from 0 (no confidence) to 5 (full confidence). " + summary, size=9.5, color=MUTED)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_pdf(plan: PlanDocument) -> bytes:
    pdf = PlanPDF(plan)
    pdf.add_page()

    pdf.paragraph("THE PLAN", size=9, style="B", color=ACCENT)
    pdf.ln(1)
    pdf.paragraph(plan.title, size=20, style="B")
    pdf.ln(1.5)
    pdf.paragraph(plan.status_line, size=10, style="B" if plan.is_draft else "", color=WARN if plan.is_draft else MUTED)
    if plan.summary is not None:
        pdf.summary_box(plan, plan.summary)
    pdf.changes_table(plan)
    pdf.checkins_section(plan)
    if plan.why:
        pdf.heading("Why it matters", 12)
        pdf.paragraph(plan.why)

    pdf.heading("Success criteria", 12)
    if not plan.criteria:
        pdf.paragraph("No success criteria were set.", color=MUTED)
    for criterion in plan.criteria:
        # A criterion starts a page rather than leave its first items, or its warning, to the next.
        if pdf.will_page_break(5.3 + 4.8 * min(max(len(criterion.served_by), 1), 4)):
            pdf.add_page()
        pdf.paragraph(f"{criterion.number}. {criterion.text}", style="B")
        if criterion.served_by:
            for item in criterion.served_by:
                pdf.set_x(pdf.l_margin + 5)
                pdf.paragraph(f"– {item.title}", size=9.5)
        else:
            pdf.set_x(pdf.l_margin + 5)
            pdf.paragraph("Not served by any accepted item.", size=9.5, style="B", color=WARN)
        pdf.ln(1)

    pdf.heading("The plan, lane by lane", keep=TABLE_ROOM + 18)
    for lane in plan.lanes:
        pdf.heading(lane.title, 11.5, keep=TABLE_ROOM if lane.accepted else 0)
        if lane.accepted and plan.is_live:
            pdf.items_table(lane.accepted, columns=list(PROGRESS_SHARES), shares=PROGRESS_SHARES)
        elif lane.accepted:
            pdf.items_table(lane.accepted, columns=["Item", "Owners", "Due", "Votes"])
        else:
            pdf.paragraph("No accepted items.", size=9.5, color=MUTED)

    pdf.heading("Not taken")
    if plan.not_taken:
        pdf.items_table(plan.not_taken, columns=["Item", "Lane", "Status", "Votes"])
    else:
        pdf.paragraph("Every item was accepted.", size=9.5, color=MUTED)

    pdf.heading("Participants")
    widths = pdf.column_widths([120, 54])
    people = [[name, role.capitalize()] for name, role in plan.participants]
    rows = [
        [
            [pdf.cell_lines(text, width, PARTICIPANT_PADDING, PARTICIPANT_CELL)[0]]
            for text, width in zip(person, widths, strict=True)
        ]
        for person in people
    ]
    pdf.ruled_table(["Name", "Role"], rows, widths, PARTICIPANT_PADDING)

    if plan.confidence:
        pdf.heading("Confidence")
        pdf.histogram(plan.confidence["histogram"], plan.confidence["mean"])

    return bytes(pdf.output())
