"""The plan as an A4 PDF people can hand on: selectable text, numbered pages.

Text is set and tables laid out by fpdf2's public API (`multi_cell()`, `FPDF.table()`), not by a
copy of fpdf2's line breaker: a copy was faster but tied to fpdf2's internals, and drifted from
fpdf2's fixes. docs/decisions.md has what that costs in time. The page, its colours and its text
helpers are in pdf_page, the tables in pdf_tables, the summary box and the charts in pdf_figures,
the load against the capacity in pdf_load.
"""

from __future__ import annotations

from planning.exports.document import PlanDocument
from planning.exports.pdf_figures import checkins_section, histogram, summary_box
from planning.exports.pdf_load import load_section
from planning.exports.pdf_page import ACCENT, FONT, MUTED, WARN, PlanPDF
from planning.exports.pdf_tables import changes_table, items_table, participants_table

__all__ = ["FONT", "PlanPDF", "render_pdf"]

# Room a heading keeps under it on its page: a table's heading row and first row, so that the
# heading does not end a page alone.
TABLE_ROOM = 24.0


def _changes(pdf: PlanPDF, plan: PlanDocument) -> None:
    changes = plan.changes
    if changes is None:
        return
    pdf.heading(f"Changed since version {changes.since}")
    if changes:
        changes_table(pdf, plan)
    else:
        pdf.paragraph(f"Nothing in the accepted plan changed since version {changes.since}.", size=9.5, color=MUTED)


def _criteria(pdf: PlanPDF, plan: PlanDocument) -> None:
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


def _lanes(pdf: PlanPDF, plan: PlanDocument) -> None:
    estimate = ["Estimate"] if plan.estimating else []
    pdf.heading("The plan, lane by lane", keep=TABLE_ROOM + 18)
    for lane in plan.lanes:
        pdf.heading(lane.title, 11.5, keep=TABLE_ROOM if lane.accepted else 0)
        if lane.accepted:
            progress = ["Progress"] if plan.is_live else []
            columns = ["Item", *progress, "Owners", *estimate, "Due", "Votes"]
            items_table(pdf, lane.accepted, columns=columns, progress=plan.is_live)
        else:
            pdf.paragraph("No accepted items.", size=9.5, color=MUTED)

    pdf.heading("Not taken", keep=TABLE_ROOM if plan.not_taken else 0)
    if plan.not_taken:
        items_table(pdf, plan.not_taken, columns=["Item", "Lane", "Status", *estimate, "Votes"])
    else:
        pdf.paragraph("Every item was accepted.", size=9.5, color=MUTED)


def render_pdf(plan: PlanDocument) -> bytes:
    pdf = PlanPDF(plan)
    pdf.add_page()

    pdf.paragraph("THE PLAN", size=9, style="B", color=ACCENT)
    pdf.ln(1)
    pdf.paragraph(plan.title, size=20, style="B")
    pdf.ln(1.5)
    pdf.paragraph(plan.status_line, size=10, style="B" if plan.is_draft else "", color=WARN if plan.is_draft else MUTED)
    if plan.face_down:
        pdf.paragraph(plan.face_down_line, size=10, color=WARN)
    if plan.summary is not None:
        summary_box(pdf, plan, plan.summary)
    load_section(pdf, plan)
    _changes(pdf, plan)
    checkins_section(pdf, plan)
    if plan.why:
        pdf.heading("Why it matters", 12)
        pdf.paragraph(plan.why)
    _criteria(pdf, plan)
    _lanes(pdf, plan)

    pdf.heading("Participants", keep=TABLE_ROOM)
    participants_table(pdf, plan.participants)

    if plan.confidence:
        pdf.heading("Confidence")
        histogram(pdf, plan.confidence["histogram"], plan.confidence["mean"])

    return bytes(pdf.output())
