"""The plan PDF's figures: the summary box, the check-ins' chart and the confidence histogram.

They are drawn at measured places rather than flowed, so that a box is drawn under its text at
its full height and a chart's labels sit under their bars; text is still broken by fpdf2.
"""

from __future__ import annotations

from datetime import UTC

from planning.exports.dates import human_date
from planning.exports.document import STATE_LABELS, STATES, CheckIn, PlanDocument, Summary, mean_text
from planning.exports.load import hours_text
from planning.exports.pdf_page import (
    ACCENT,
    FONT,
    INK,
    MARKER_RADIUS,
    MARKER_SPACE,
    MUTED,
    PANEL,
    RULE,
    STATE_FILLS,
    STATE_INKS,
    WARN,
    PlanPDF,
)
from planning.exports.pdf_tables import checkins_table

# The summary box lists this many owners at most (the last line then says how many more).
SUMMARY_OWNERS = 6
# "Needs attention" in the summary box lists this many items at most; the lanes have them all.
SUMMARY_ATTENTION = 6
# The check-ins' chart: its plot height, and the widest a bar's slot gets with few check-ins.
CHART_HEIGHT, CHART_SLOT = 36.0, 24.0
# Room a heading keeps under it on its page: the chart, with its labels and legend.
CHART_ROOM = 66.0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def summary_box(pdf: PlanPDF, plan: PlanDocument, summary: Summary) -> None:
    """The plan at a glance, in a shaded box: key figures, who owns how much, what is due first.

    Everything is measured first, so that the box is drawn under its text at its full height;
    it is a few lines per owner and due date, and always fits on the first page.
    """
    pad, gap, line = 5.0, 8.0, 4.8
    left, top, width = pdf.l_margin, pdf.y + 3, pdf.epw
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
        figures.append((f"{mean_text(plan.confidence['mean'])} of 5", f"confidence ({answers})", INK))
    if plan.load is not None:
        of = f"of {hours_text(plan.load.capacity)} capacity" if plan.load.capacity is not None else "estimated"
        figures.append((hours_text(plan.load.hours), of, WARN if plan.load.over else INK))
    tile = inner / max(len(figures), 4)
    pdf.set_font(FONT, "", 8.5)
    labels = [pdf.lines(label, tile - 4)[:2] for _, label, _ in figures]
    figures_height = 8.5 + max(len(lines) for lines in labels) * 4.0

    owners_width = (inner - gap) * 0.38
    due_width = inner - gap - owners_width
    bar_room, count_width, date_width = 11.0, 13.0, 21.0
    name_width = owners_width - bar_room - count_width - 2
    owners = summary.owner_load
    shown = owners if len(owners) <= SUMMARY_OWNERS else owners[: SUMMARY_OWNERS - 1]
    owner_lines = max(1, len(shown) + (len(owners) > len(shown)))
    pdf.set_font(FONT, "", 9)
    due_titles = [pdf.two_lines(item.title, due_width - date_width - 2) for item in summary.next_due]
    due_lines = sum(len(lines) for lines in due_titles) + bool(summary.due_remark)
    notes: list[tuple[str, tuple[int, int, int]]] = []
    if summary.unowned:
        notes.append((f"{_count(summary.unowned, 'accepted item')} without an owner yet.", WARN))
    for criterion in summary.unserved:
        notes.append((f"Not served by any accepted item: {criterion.number}. {criterion.text}", WARN))
    note_lines = [(color, pdf.lines(text, inner)) for text, color in notes]
    notes_height = sum(len(lines) for _, lines in note_lines) * 4.6 + (3 if notes else 0)
    progress_top = top + pad + figures_height + 5
    progress_height = progress_panel(pdf, summary, left + pad, progress_top, inner, draw=False)
    body_top = progress_top + progress_height
    height = body_top - top + 6 + max(owner_lines, due_lines) * line + notes_height + pad - 1
    with pdf.local_context(fill_color=PANEL, draw_color=RULE):
        pdf.rect(left, top, width, height, style="DF")
    with pdf.local_context(fill_color=ACCENT):
        pdf.rect(left, top, 1.4, height, style="F")

    # Key figures, side by side.
    for index, ((value, _, color), label) in enumerate(zip(figures, labels, strict=True)):
        x = left + pad + index * tile - pdf.c_margin
        pdf.set_xy(x, top + pad)
        pdf.set_font(FONT, "B", 17)
        pdf.set_text_color(*color)
        pdf.cell(tile - 2, 8, value)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        for number, text in enumerate(label):
            pdf.set_xy(x, top + pad + 8.5 + number * 4.0)
            pdf.cell(tile - 2, 4.0, text)

    progress_panel(pdf, summary, left + pad, progress_top, inner, draw=True)

    # Who owns how much, and what is due first, side by side.
    owners_x, due_x = left + pad - pdf.c_margin, left + pad + owners_width + gap - pdf.c_margin
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*ACCENT)
    for x, column_width, text in [(owners_x, owners_width, "WHO OWNS WHAT"), (due_x, due_width, "DUE FIRST")]:
        pdf.set_xy(x, body_top)
        pdf.cell(column_width, 5, text)
    y = body_top + 6
    pdf.set_font(FONT, "", 9)
    peak = owners[0][1] if owners else 1
    for number, (name, load) in enumerate(shown):
        row_y = y + number * line
        pdf.set_text_color(*INK)
        pdf.set_xy(owners_x, row_y)
        pdf.cell(name_width, line, pdf.fit(name, name_width - 2))
        with pdf.local_context(fill_color=ACCENT):
            pdf.rect(owners_x + pdf.c_margin + name_width, row_y + 1.3, bar_room * load / peak, 2.2, style="F")
        pdf.set_xy(owners_x + name_width + bar_room + 2, row_y)
        pdf.cell(count_width, line, _count(load, "item"), align="R")
    pdf.set_text_color(*MUTED)
    if len(owners) > len(shown):
        rest = owners[len(shown) :]
        pdf.set_xy(owners_x, y + len(shown) * line)
        pdf.cell(owners_width, line, f"and {len(rest)} more, with {_count(sum(n for _, n in rest), 'item')}")
    elif not owners:
        pdf.set_xy(owners_x, y)
        pdf.cell(owners_width, line, "Nobody owns an item yet.")
    row_y = y
    for item, lines in zip(summary.next_due, due_titles, strict=True):
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(*INK)
        pdf.set_xy(due_x, row_y)
        pdf.cell(date_width, line, item.due_text)
        pdf.set_font(FONT, "", 9)
        for text in lines:
            pdf.set_xy(due_x + date_width, row_y)
            pdf.cell(due_width - date_width, line, text)
            row_y += line
    if summary.due_remark:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(due_x, row_y)
        pdf.cell(due_width, line, pdf.fit(summary.due_remark, due_width - 2))
    y += max(owner_lines, due_lines) * line + (3 if notes else 0)
    pdf.set_font(FONT, "", 9)
    for color, lines in note_lines:
        pdf.set_text_color(*color)
        for text in lines:
            pdf.set_xy(left + pad - pdf.c_margin, y)
            pdf.cell(inner, 4.6, text)
            y += 4.6
    pdf.set_text_color(*INK)
    pdf.set_xy(left, top + height + 2)


def stacked_bar(pdf: PlanPDF, x: float, y: float, width: float, height: float, counts: dict[str, int]) -> None:
    """One bar, left to right, of each state's share of the items; a thin gap between parts."""
    total = sum(counts.values())
    if not total:
        return
    for state in STATES:
        part = width * counts[state] / total
        if part:
            with pdf.local_context(fill_color=STATE_FILLS[state]):
                pdf.rect(x, y, max(part - 0.4, 0.2), height, style="F")
            x += part


def legend(pdf: PlanPDF, x: float, y: float, entries: list[tuple[str, str]], size: float = 8.5) -> float:
    """Markers with their words, side by side from (x, y), for the state of each entry; the x after them."""
    pdf.set_font(FONT, "", size)
    pdf.set_text_color(*INK)
    for state, text in entries:
        pdf.marker(x + MARKER_RADIUS, y + 2.2, STATE_FILLS[state])
        pdf.set_xy(x + MARKER_SPACE - pdf.c_margin, y)
        text_width = pdf.get_string_width(text)
        pdf.cell(text_width + 2 * pdf.c_margin, 4.4, text)
        x += MARKER_SPACE + text_width + 4.5
    return x


def progress_panel(pdf: PlanPDF, summary: Summary, x: float, y: float, width: float, *, draw: bool) -> float:
    """How the accepted items are going, in the summary box: the counts in words, a bar of them
    with its legend, and the items blocked or at risk. Returns its height; draws it with `draw`."""
    counts = summary.progress
    if counts is None:
        return 0.0
    start = y
    if draw:
        pdf.label(x, y, width, "PROGRESS")
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(*INK)
        pdf.set_xy(x + 24 - pdf.c_margin, y - 0.3)
        pdf.cell(width - 24, 5.5, summary.progress_line)
        stacked_bar(pdf, x, y + 7, width, 4.2, counts)
        legend(pdf, x, y + 13, [(state, f"{STATE_LABELS[state]} {counts[state]}") for state in STATES])
    y += 20
    shown = summary.attention[:SUMMARY_ATTENTION]
    if draw:
        pdf.label(x, y, width, "NEEDS ATTENTION")
    y += 6
    if not shown:
        if draw:
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x - pdf.c_margin, y)
            pdf.cell(width, 4.8, "Nothing is blocked or at risk.")
        return y + 4.8 + 4 - start
    state_width, owners_width = 22.0, 44.0
    title_width = width - state_width - owners_width - 2
    for item in shown:
        note = item.progress.note if item.progress else ""
        if draw:
            pdf.marker(x + MARKER_RADIUS, y + 2.4, STATE_FILLS[item.state])
            pdf.set_font(FONT, "B", 9)
            pdf.set_text_color(*STATE_INKS[item.state])
            pdf.set_xy(x + MARKER_SPACE - pdf.c_margin, y)
            pdf.cell(state_width - MARKER_SPACE, 4.8, STATE_LABELS[item.state])
            pdf.set_text_color(*INK)
            pdf.set_xy(x + state_width - pdf.c_margin, y)
            pdf.cell(title_width, 4.8, pdf.fit(item.title, title_width - 2))
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x + width - owners_width - pdf.c_margin, y)
            pdf.cell(owners_width, 4.8, pdf.fit(", ".join(item.owners) or "Nobody", owners_width - 2), align="R")
        y += 4.8
        if note:
            if draw:
                pdf.set_font(FONT, "I", 8.5)
                pdf.set_text_color(*INK)
                pdf.set_xy(x + state_width - pdf.c_margin, y)
                pdf.cell(width - state_width, 4.2, pdf.fit(note, width - state_width - 2))
            y += 4.2
        y += 0.8
    rest = len(summary.attention) - len(shown)
    if rest:
        if draw:
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x + state_width - pdf.c_margin, y)
            pdf.cell(width - state_width, 4.8, f"and {rest} more: see the plan, lane by lane")
        y += 4.8
    return y + 4 - start


def checkins_section(pdf: PlanPDF, plan: PlanDocument) -> None:
    """The check-ins so far: a chart of the states at each, its legend, and the table with the notes."""
    checkins = plan.checkins
    if checkins is None:
        return
    pdf.heading("Check-ins", keep=CHART_ROOM if checkins else 0)
    if not checkins:
        pdf.paragraph("No check-in yet.", size=9.5, color=MUTED)
        return
    checkins_chart(pdf, checkins)
    checkins_table(pdf, checkins)


def checkins_chart(pdf: PlanPDF, checkins: list[CheckIn]) -> None:
    """One stacked bar per check-in, oldest on the left, each as tall as the items it counted."""
    axis = 12.0
    legend_height, labels_height = 8.0, 10.0
    if pdf.will_page_break(CHART_HEIGHT + labels_height + legend_height + 6):
        pdf.add_page()
    top = pdf.y + 6
    left = pdf.l_margin + axis
    plot = pdf.epw - axis
    slot = min(CHART_SLOT, plot / len(checkins))
    bar = slot * 0.62
    peak = max(max(checkin.total for checkin in checkins), 1)
    bottom = top + CHART_HEIGHT
    # Gridlines at whole numbers of items: 0, the peak, and the middle when it is a whole number.
    ticks = sorted({0, peak, *([peak // 2] if peak >= 4 and peak % 2 == 0 else [])})
    pdf.set_font(FONT, "", 7.5)
    pdf.set_draw_color(*RULE)
    for tick in ticks:
        y = bottom - CHART_HEIGHT * tick / peak
        pdf.line(left, y, left + plot, y)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(pdf.l_margin - pdf.c_margin, y - 2)
        pdf.cell(axis - 2, 4, str(tick), align="R")
    # Label every bar while they are wide enough; else every n-th one, and the last.
    every = max(1, round(12 / slot))
    previous_version = checkins[0].version
    for index, checkin in enumerate(checkins):
        x = left + index * slot + (slot - bar) / 2
        y = bottom
        for state in STATES:
            height = CHART_HEIGHT * checkin.counts[state] / peak
            if height:
                with pdf.local_context(fill_color=STATE_FILLS[state]):
                    pdf.rect(x, y - height, bar, max(height - 0.3, 0.2), style="F")
                y -= height
        if checkin.version != previous_version and checkin.version is not None:
            # A new plan version was agreed before this check-in: a dashed line and its number.
            line_x = left + index * slot
            with pdf.local_context(draw_color=MUTED, line_width=0.2):
                pdf.set_dash_pattern(dash=0.8, gap=0.8)
                pdf.line(line_x, top - 2, line_x, bottom)
                pdf.set_dash_pattern()
            pdf.set_font(FONT, "B", 7.5)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(line_x + 0.6 - pdf.c_margin, top - 4.5)
            pdf.cell(20, 3.5, f"Version {checkin.version}")
        previous_version = checkin.version
        if index % every == 0 or index == len(checkins) - 1:
            pdf.set_font(FONT, "B", 7.5)
            pdf.set_text_color(*INK)
            pdf.set_xy(left + index * slot - pdf.c_margin, bottom + 1)
            pdf.cell(slot + 2 * pdf.c_margin, 3.6, f"#{checkin.number}", align="C")
            pdf.set_font(FONT, "", 7)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(left + index * slot - 2 - pdf.c_margin, bottom + 4.4)
            day = human_date(checkin.at.astimezone(UTC).date())
            pdf.cell(slot + 4 + 2 * pdf.c_margin, 3.4, day.rsplit(" ", 1)[0], align="C")
    end = legend(pdf, left, bottom + labels_height, [(state, STATE_LABELS[state]) for state in STATES])
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(end + 2 - pdf.c_margin, bottom + labels_height)
    pdf.cell(0, 4.4, "Accepted items by state at each check-in")
    pdf.set_xy(pdf.l_margin, bottom + labels_height + legend_height)


def histogram(pdf: PlanPDF, counts: list[int], mean: float | None) -> None:
    if pdf.will_page_break(48):
        pdf.add_page()
    top = pdf.get_y() + 2
    bar_width, gap, height = 14.0, 6.0, 30.0
    peak = max(counts) or 1
    pdf.set_font(FONT, "", 9)
    for score, count in enumerate(counts):
        x = pdf.l_margin + score * (bar_width + gap)
        bar = height * count / peak
        pdf.set_fill_color(*ACCENT)
        if bar:
            pdf.rect(x, top + height - bar, bar_width, bar, style="F")
        pdf.set_text_color(*INK)
        pdf.set_xy(x, top + height - bar - 5)
        pdf.cell(bar_width, 5, str(count), align="C")
        pdf.set_xy(x, top + height + 1)
        pdf.set_text_color(*MUTED)
        pdf.cell(bar_width, 5, f"{score}", align="C")
    pdf.set_xy(pdf.l_margin, top + height + 8)
    answers = sum(counts)
    summary = f"Mean {mean_text(mean)} of 5 from {answers} answers." if mean is not None else "No answers."
    pdf.paragraph("Scores from 0 (no confidence) to 5 (full confidence). " + summary, size=9.5, color=MUTED)
