"""The plan as CSV: one row per item, stable column names, safe to open in a spreadsheet.

Dates stay ISO 8601 (`2026-12-05`) here, unlike the PDF and Markdown ("5 Dec 2026"): a CSV is
read by spreadsheets and scripts, which sort and parse ISO dates in every locale. What changed
since the previous version is not a column: the rows are this version's items, and an item
deleted since could not have a row; comparing two versions' CSVs (`?version=N`) gives it.

An agreed version's accepted items carry their progress and helpers as of the export (protocol
§7): the state as the API spells it (`on_track`), empty before anyone reported, in a draft and
for items not accepted. The check-in history is not in the CSV: it is a table of the
workshop, not of items, and rows of another kind would break every script that reads this one
as one row per item. The PDF and Markdown carry it, and so does the state's `checkins`.

The planning game (protocol §10) adds `estimate` (hours, empty for none) and `stack`: the title
of the card it is stacked under, since the CSV has no column of ids to point into; a stacked
card's row follows its head's in the same lane (a stack sits together), which tells two heads of
the same title apart. The load, the capacity and each person's load are sums of these rows, and,
like the check-ins, not rows of their own.
"""

from __future__ import annotations

import csv
import io

from planning.exports.document import PlanDocument

COLUMNS = [
    "plan_version",
    "status",
    "lane",
    "position",
    "title",
    "owners",
    "due",
    "votes",
    "criterion",
    "criterion_text",
    "notes",
    "author",
    "progress_state",
    "progress_note",
    "progress_by",
    "progress_at",
    "helpers",
    "estimate",
    "stack",
]

# A cell a spreadsheet would run as a formula (CSV injection) is prefixed with an apostrophe,
# and every cell is quoted: OWASP's advice (CSV Injection) and ASVS 1.2.10's list of starts.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _safe(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def render_csv(plan: PlanDocument) -> str:
    """UTF-8 text with a byte order mark, so that spreadsheets detect the encoding."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    positions: dict[int, int] = {}
    for item in plan.all_items:
        position = positions[item.lane_index] = positions.get(item.lane_index, -1) + 1
        progress = item.progress
        criterion_text = plan.criteria[item.criterion].text if item.criterion is not None else ""
        writer.writerow(
            [
                plan.version if plan.version is not None else "draft",
                item.status,
                _safe(item.lane),
                position,
                _safe(item.title),
                _safe("; ".join(item.owners)),
                item.due or "",
                "" if item.votes is None else item.votes,
                item.criterion + 1 if item.criterion is not None else "",
                _safe(criterion_text),
                _safe(item.notes),
                _safe(item.author),
                progress.state if progress else "",
                _safe(progress.note) if progress else "",
                _safe(progress.by or "") if progress else "",
                progress.at.isoformat() if progress and progress.at else "",
                _safe("; ".join(item.helpers)),
                "" if item.estimate is None else item.estimate,
                _safe(item.stack_title),
            ]
        )
    return out.getvalue()
