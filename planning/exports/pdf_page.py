"""The plan PDF's page: A4, Fira Sans, its colours, the header and footer, and text set with fpdf2.

fpdf2 draws text as text (nothing a member typed is interpreted as markup) and embeds a subset
of Fira Sans, which covers Latin, Greek and Cyrillic. Text is broken into lines by fpdf2's own
`multi_cell()` alone, so that the PDF follows fpdf2's fixes and changes rather than a copy of them.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path

import fontpkg_fira_sans
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from planning.exports.document import DRAFT_HEADING, PlanDocument

FONT = "Fira"
Color = tuple[int, int, int]
INK: Color = (29, 35, 43)
MUTED: Color = (91, 100, 112)
ACCENT: Color = (36, 86, 166)
WARN: Color = (154, 61, 0)
RULE: Color = (217, 214, 207)
SHADE: Color = (240, 238, 233)
PANEL: Color = (247, 246, 242)
# Each progress state's colour, from Okabe and Ito's palette, which readers with a colour vision
# deficiency tell apart; the state's word is always printed next to it, so colour is never alone.
# FILLS are for bars and markers, and INKS, darker, for the words (legible on white).
STATE_FILLS: dict[str, Color] = {
    "done": (0, 158, 115),
    "on_track": (0, 114, 178),
    "at_risk": (230, 159, 0),
    "blocked": (213, 94, 0),
    "none": (196, 199, 204),
}
STATE_INKS: dict[str, Color] = {
    "done": (0, 110, 80),
    "on_track": (0, 90, 150),
    "at_risk": (150, 95, 0),
    "blocked": (180, 60, 0),
    "none": MUTED,
}
MARKER_RADIUS, MARKER_SPACE = 1.1, 3.4


@cache
def _font_files() -> dict[str, Path]:
    files = Path(fontpkg_fira_sans.ROOT) / "files"
    return {"": files / "FiraSans-Regular.ttf", "B": files / "FiraSans-Bold.ttf", "I": files / "FiraSans-Italic.ttf"}


class PlanPDF(FPDF):
    # The tables set their cells with fpdf2's markdown, for a bold title or an italic update
    # within a cell; its links ("[text](url)") are never wanted, and a member could type one.
    MARKDOWN_LINK_REGEX = re.compile(r"(?!)")

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

    def heading(self, text: str, size: float = 14, *, keep: float = 0) -> None:
        """A heading, on the next page if it and `keep` mm under it do not fit on this one."""
        if self.will_page_break(size + 14 + keep):
            self.add_page()
        self.ln(3)
        self.paragraph(text, size=size, style="B")
        self.ln(1.5)

    def paragraph(self, text: str, *, size: float = 10.5, style: str = "", color: Color = INK) -> None:
        """`text` from the current x to the right margin, ending at the left margin."""
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def lines(self, text: str, width: float) -> list[str]:
        """The lines `multi_cell()` sets `text` in, `width` wide with no inner margin, in the current font.

        For what is measured before it is drawn, or drawn in parts: the summary box.
        """
        lines = self.multi_cell(
            width + 2, 1, text, dry_run=True, output=MethodReturnValue.LINES, padding=(0, 1), align="L"
        )
        return lines or [""]

    def fit(self, text: str, width: float) -> str:
        """`text` on one line `width` wide in the current font, cut with "…" where it does not fit."""
        text = " ".join(text.split())
        if self.get_string_width(text) <= width:
            return text
        return self.lines(text, width - self.get_string_width("…"))[0].rstrip() + "…"

    def two_lines(self, text: str, width: float) -> list[str]:
        """`text` in at most two lines `width` wide in the current font, the second cut with "…"."""
        lines = self.lines(" ".join(text.split()), width)
        return lines if len(lines) <= 2 else [lines[0], self.fit(" ".join(lines[1:]), width)]

    def marker(self, x: float, y: float, color: Color) -> None:
        """A round marker centred on (x, y): a progress state's colour, next to its word."""
        with self.local_context(fill_color=color):
            self.circle(x, y, MARKER_RADIUS, style="F")

    def label(self, x: float, y: float, width: float, text: str) -> None:
        """A small capitalised label over a part of the summary box."""
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*ACCENT)
        self.set_xy(x - self.c_margin, y)
        self.cell(width, 5, text)
