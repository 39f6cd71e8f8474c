"""The board's layout against issue 12's targets: one table, and the screenshots to look at.

Run from the repository root:

    .venv/bin/python benchmarks/layout.py [--screens /tmp/rallypoint-screens]

It runs the layout tests (tests/e2e/test_layout.py: a seeded fifteen-item board in every phase
at 1440x900, 1920x1080 and 390x844, served by a real Daphne on the test database, in headless
Chromium at /usr/bin/chromium or $CHROMIUM), which save a screenshot of every (phase, size), the
first screen and the full page, and write their figures; then prints the figures as a table. The
tests' own pass/fail lines follow: a failure there is a missed target, the figures say by how much.

Targets: first card in the upper 60% of the first screen; page at most 1.6 screens at the desktop
sizes; the card with a 4,000-character note at most 260 px tall.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = "tests/e2e/test_layout.py"
SELECT = "test_board_comes_first or test_six_lanes"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "rallypoint-screens"
    parser.add_argument("--screens", default=str(default), help=f"folder for the screenshots (default {default})")
    args = parser.parse_args()
    screens = Path(args.screens).resolve()
    screens.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        figures_file = Path(scratch) / "layout.jsonl"
        env = {**os.environ, "SCREENSHOTS": str(screens), "LAYOUT_JSON": str(figures_file)}
        command = [sys.executable, "-m", "pytest", TESTS, "-k", SELECT, "-q", "-p", "no:cacheprovider", "-rN"]
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        rows = [json.loads(line) for line in figures_file.read_text().splitlines()] if figures_file.exists() else []

    print(
        f"{'phase':<8} {'size':<10} {'first card y':>12} {'of screen':>9} {'page px':>8} {'screens':>7} "
        f"{'longest card':>12} {'4k-note card':>12}"
    )
    for row in rows:
        height = int(row["size"].split("x")[1])
        print(
            f"{row['phase']:<8} {row['size']:<10} {row['first_card_y']:>12} {row['first_card_y'] / height:>9.0%} "
            f"{row['page_height']:>8} {row['page_screens']:>7.2f} {row['longest_card']:>12} {row['long_note_card']:>12}"
        )
    print(f"\nscreenshots: {screens}/<phase>-<size>.png (first screen) and -full.png (whole page)")
    summary = [
        line
        for line in run.stdout.splitlines()
        if line.startswith(("FAILED", "ERROR")) or " passed" in line or " failed" in line
    ]
    print("\n".join(summary))
    if not rows:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
