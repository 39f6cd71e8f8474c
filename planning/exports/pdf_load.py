"""The plan PDF's load against its capacity (protocol §10): the load in words, a bar of it against
the capacity with the line drawn where the capacity ends, and each owner's load in a table."""

from __future__ import annotations

from planning.exports.document import PlanDocument
from planning.exports.load import Load, hours_text
from planning.exports.pdf_page import ACCENT, FONT, INK, MUTED, RULE, SHADE, WARN, PlanPDF
from planning.exports.pdf_tables import people_table

# Room the heading keeps under it on its page: the line, the bar and the table's first rows.
LOAD_ROOM = 40.0
BAR_HEIGHT = 4.2


def load_section(pdf: PlanPDF, plan: PlanDocument) -> None:
    load = plan.load
    if load is None:
        return
    pdf.heading("Load and capacity" if load.capacity is not None else "Load", keep=LOAD_ROOM)
    pdf.paragraph(load.line, size=11, style="B", color=WARN if load.over else INK)
    if load.capacity is not None:
        capacity_bar(pdf, load, load.capacity)
    for remark in load.remarks:
        pdf.paragraph(remark, size=9.5, color=WARN)
    if load.people:
        pdf.ln(2)
        people_table(pdf, load.people)


def capacity_bar(pdf: PlanPDF, load: Load, capacity: int) -> None:
    """The load as a bar across the page, in the accent colour up to the capacity and in the
    warning colour past it; the capacity is a line across the bar, labelled under it."""
    left, width, top = pdf.l_margin, pdf.epw, pdf.y + 2.5
    scale = width / max(load.hours, capacity, 1)
    line_x = left + capacity * scale
    with pdf.local_context(fill_color=SHADE, draw_color=RULE, line_width=0.2):
        pdf.rect(left, top, capacity * scale, BAR_HEIGHT, style="DF")
    fits = min(load.hours, capacity) * scale
    if fits:
        with pdf.local_context(fill_color=ACCENT):
            pdf.rect(left, top, fits, BAR_HEIGHT, style="F")
    if load.over:
        with pdf.local_context(fill_color=WARN):
            pdf.rect(line_x, top, load.over * scale, BAR_HEIGHT, style="F")
    with pdf.local_context(draw_color=INK, line_width=0.5):
        pdf.line(line_x, top - 1.5, line_x, top + BAR_HEIGHT + 1.5)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    label = f"Capacity {hours_text(capacity)}"
    label_width = pdf.get_string_width(label) + 2 * pdf.c_margin
    # Under the line, ending at it; or starting at it when the line is too near the left edge.
    label_x = line_x - label_width if line_x - label_width >= left else line_x
    pdf.set_xy(label_x, top + BAR_HEIGHT + 1.5)
    pdf.cell(label_width, 4, label, align="R" if label_x < line_x else "L")
    pdf.set_xy(left, top + BAR_HEIGHT + 7)
