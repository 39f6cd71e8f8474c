"""The plan as an A4 PDF people can hand on: selectable text, numbered pages.

fpdf2 draws text as text (nothing a member typed is interpreted as markup)
and embeds a subset of Fira Sans, which covers Latin, Greek and Cyrillic.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

import fontpkg_fira_sans
from fpdf import FPDF, FontFace
from fpdf.enums import MethodReturnValue, TableBordersLayout, XPos, YPos

from planning.exports.document import DRAFT_HEADING, PlanDocument, PlanItem

FONT = "Fira"
INK = (29, 35, 43)
MUTED = (91, 100, 112)
ACCENT = (36, 86, 166)
WARN = (154, 61, 0)
RULE = (217, 214, 207)
SHADE = (240, 238, 233)
HEADINGS = FontFace(emphasis="BOLD", color=INK, fill_color=SHADE)
CELL_LINE_HEIGHT = 4.6
CELL_PADDING = 1.4
# fpdf2 cannot split a table row across pages (it raises instead), and 4000 characters of notes
# are taller than a page: a cell is cut at this many lines and printed in full after its table.
CELL_MAX_LINES = 30
CONTINUED = "… continued below the table"
CONTINUED_LABELS = {"Item": "Title", "Lane": "Lane", "Owners": "Owners", "Notes": "Notes"}


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
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def paragraph(self, text: str, *, size: float = 10.5, style: str = "", color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fit_cell(self, text: str, width: float) -> tuple[str, bool]:
        """`text` cut to CELL_MAX_LINES lines of a table column `width` wide (current font); whether it was cut."""
        room = width - 2 * CELL_PADDING
        # Two wrapped lines always hold more than one line's width: a cheap upper bound on the
        # lines, so that only long text is broken into lines twice.
        paragraphs = text.count("\n") + 1
        if 2 * self.get_string_width(text) / (room - 2 * self.c_margin) + paragraphs <= CELL_MAX_LINES:
            return text, False
        lines = self.multi_cell(room, CELL_LINE_HEIGHT, text, dry_run=True, output=MethodReturnValue.LINES)
        if len(lines) <= CELL_MAX_LINES:
            return text, False
        return "\n".join([*lines[: CELL_MAX_LINES - 1], CONTINUED]), True

    def items_table(self, items: list[PlanItem], *, columns: list[str]) -> None:
        widths = {"Item": 56, "Lane": 24, "Status": 20, "Owners": 36, "Due": 20, "Votes": 16, "Notes": 58}
        scale = self.epw / sum(widths[name] for name in columns)
        self.set_font(FONT, "", 9)
        self.set_text_color(*INK)
        rows = [columns]
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
            for name in columns:
                text, cut = self.fit_cell(values[name], widths[name] * scale)
                if cut:
                    overflow.append((item, name, values[name]))
                row.append(text)
            rows.append(row)
        with self.table(
            col_widths=[widths[name] for name in columns],
            headings_style=HEADINGS,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=CELL_LINE_HEIGHT,
            padding=CELL_PADDING,
            text_align="LEFT",
            repeat_headings=1,
        ) as table:
            for row in rows:
                table.row(row)
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
    with pdf.table(
        col_widths=(120, 54),
        headings_style=HEADINGS,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.6,
        padding=1.2,
        text_align="LEFT",
    ) as table:
        table.row(["Name", "Role"])
        for name, role in plan.participants:
            table.row([name, role.capitalize()])

    if plan.confidence:
        pdf.heading("Confidence")
        pdf.histogram(plan.confidence["histogram"], plan.confidence["mean"])

    return bytes(pdf.output())
