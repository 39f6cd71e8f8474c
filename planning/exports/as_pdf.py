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
from functools import cache
from pathlib import Path

import fontpkg_fira_sans
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR, HYPHEN, NBSP, SOFT_HYPHEN, SPACE

from planning.exports.document import DRAFT_HEADING, PlanDocument, PlanItem

FONT = "Fira"
INK = (29, 35, 43)
MUTED = (91, 100, 112)
ACCENT = (36, 86, 166)
WARN = (154, 61, 0)
RULE = (217, 214, 207)
SHADE = (240, 238, 233)
CELL_LINE_HEIGHT = 4.6
CELL_PADDING = 1.4
PARTICIPANT_PADDING = 1.2
# A row is kept on one page (as fpdf2's table() kept it: it could not split one), and 4000
# characters of notes are taller than a page: a cell is cut at this many lines and printed in full
# after its table. 30 lines and the padding (141 mm) always fit on a page under the headings.
CELL_MAX_LINES = 30
CONTINUED = "… continued below the table"
CONTINUED_LABELS = {"Item": "Title", "Lane": "Lane", "Owners": "Owners", "Notes": "Notes"}
# Relative widths of the item tables' columns: a table's columns share the text width in these
# proportions.
COLUMN_SHARES = {"Item": 56, "Lane": 24, "Status": 20, "Owners": 36, "Due": 20, "Votes": 16, "Notes": 58}
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

    def heading(self, text: str, size: float = 14) -> None:
        if self.will_page_break(size + 14):
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

    def cell_lines(self, text: str, width: float, padding: float, *, cut: bool = False) -> tuple[list[str], bool]:
        """The lines of a table cell `width` wide (current font), none for no text; whether they were cut.

        With `cut`, a cell of more than CELL_MAX_LINES lines ends with CONTINUED instead, so that
        its row fits on a page; the caller prints the whole text after the table.
        """
        if not text:
            return [], False
        room = width - 2 * padding
        lines = self.wrap(text, room)
        if not cut or len(lines) <= CELL_MAX_LINES:
            return lines, False
        marker = self.wrap(CONTINUED, room)
        return [*lines[: CELL_MAX_LINES - len(marker)], *marker], True

    def ruled_table(
        self, headings: list[str], rows: list[list[list[str]]], widths: list[float], padding: float
    ) -> None:
        """A table at the left margin: a shaded bold heading row, then `rows` (each cell's lines, in the
        current font), each row as tall as its tallest cell, with the text vertically centred.

        A row that does not fit on the page starts the next one, under the headings again, and the
        headings never end a page alone. Rules run between rows, as fpdf2's HORIZONTAL_LINES drew them.
        """
        style = self.font_style
        self.set_font(style="B")
        heading = [self.cell_lines(text, width, padding)[0] for text, width in zip(headings, widths, strict=True)]
        self.set_font(style=style)
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

    @staticmethod
    def row_height(cells: list[list[str]], padding: float) -> float:
        """The height of the row's tallest cell; a row of empty cells is one line high."""
        return max((len(lines) * CELL_LINE_HEIGHT + 2 * padding for lines in cells if lines), default=CELL_LINE_HEIGHT)

    def table_row(
        self,
        cells: list[list[str]],
        widths: list[float],
        height: float,
        padding: float,
        *,
        heading: bool = False,
        ruled: bool,
    ) -> None:
        """Draw one row at the current y and move below it; `ruled` draws the rule under it."""
        top, left, right = self.y, self.l_margin, self.l_margin + sum(widths)
        style = self.font_style
        if heading:
            with self.local_context(fill_color=SHADE):
                self.rect(left, top, right - left, height, style="F")
            self.set_font(style="B")
        x = left
        for lines, width in zip(cells, widths, strict=True):
            # cell() insets its text by c_margin; a table cell's text is inset by the padding alone.
            first = top + (height - len(lines) * CELL_LINE_HEIGHT) / 2
            for number, line in enumerate(lines):
                self.set_xy(x + padding - self.c_margin, first + number * CELL_LINE_HEIGHT)
                self.cell(width - 2 * padding, CELL_LINE_HEIGHT, line)
            x += width
        if heading:
            self.set_font(style=style)
        if ruled:
            self.line(left, top + height, right, top + height)
        self.set_xy(left, top + height)

    def items_table(self, items: list[PlanItem], *, columns: list[str]) -> None:
        widths = self.column_widths([COLUMN_SHARES[name] for name in columns])
        self.set_font(FONT, "", 9)
        self.set_text_color(*INK)
        rows: list[list[list[str]]] = []
        overflow: list[tuple[PlanItem, str, str]] = []
        for item in items:
            values = {
                "Item": item.title,
                "Lane": item.lane,
                "Status": item.status.capitalize(),
                "Owners": ", ".join(item.owners) or "Nobody",
                "Due": item.due or "",
                "Votes": "hidden" if item.votes is None else str(item.votes),
                "Notes": item.notes,
            }
            row = []
            for name, width in zip(columns, widths, strict=True):
                lines, cut = self.cell_lines(values[name], width, CELL_PADDING, cut=True)
                if cut:
                    overflow.append((item, name, values[name]))
                row.append(lines)
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


def render_pdf(plan: PlanDocument) -> bytes:
    pdf = PlanPDF(plan)
    pdf.add_page()

    pdf.paragraph("THE PLAN", size=9, style="B", color=ACCENT)
    pdf.ln(1)
    pdf.paragraph(plan.title, size=20, style="B")
    pdf.ln(1.5)
    pdf.paragraph(plan.status_line, size=10, style="B" if plan.is_draft else "", color=WARN if plan.is_draft else MUTED)
    if plan.why:
        pdf.heading("Why it matters", 12)
        pdf.paragraph(plan.why)

    pdf.heading("Success criteria", 12)
    if not plan.criteria:
        pdf.paragraph("No success criteria were set.", color=MUTED)
    for criterion in plan.criteria:
        pdf.paragraph(f"{criterion.number}. {criterion.text}", style="B")
        if criterion.served_by:
            for item in criterion.served_by:
                pdf.set_x(pdf.l_margin + 5)
                pdf.paragraph(f"– {item.title}", size=9.5)
        else:
            pdf.set_x(pdf.l_margin + 5)
            pdf.paragraph("Not served by any accepted item.", size=9.5, style="B", color=WARN)
        pdf.ln(1)

    pdf.heading("The plan, lane by lane")
    for lane in plan.lanes:
        pdf.heading(lane.title, 11.5)
        if lane.accepted:
            pdf.items_table(lane.accepted, columns=["Item", "Owners", "Due", "Votes", "Notes"])
        else:
            pdf.paragraph("No accepted items.", size=9.5, color=MUTED)

    pdf.heading("Not taken")
    if plan.not_taken:
        pdf.items_table(plan.not_taken, columns=["Item", "Lane", "Status", "Votes", "Notes"])
    else:
        pdf.paragraph("Every item was accepted.", size=9.5, color=MUTED)

    pdf.heading("Participants")
    pdf.set_font(FONT, "", 9.5)
    widths = pdf.column_widths([120, 54])
    people = [[name, role.capitalize()] for name, role in plan.participants]
    rows = [
        [pdf.cell_lines(text, width, PARTICIPANT_PADDING)[0] for text, width in zip(person, widths, strict=True)]
        for person in people
    ]
    pdf.ruled_table(["Name", "Role"], rows, widths, PARTICIPANT_PADDING)

    if plan.confidence:
        pdf.heading("Confidence")
        pdf.histogram(plan.confidence["histogram"], plan.confidence["mean"])

    return bytes(pdf.output())
