"""``stenosis-player history [--csv]``: past sessions as a readable table or as CSV."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .history import export_csv, load_history
from .paths import app_paths
from .store import Store, StoreError


def run_history(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    db = app_paths(getattr(args, "data_dir", None)).database_file
    if not db.exists():
        if getattr(args, "csv", False):
            export_csv_empty(out)
        else:
            print("No sessions recorded yet.", file=out)
        return 0
    try:
        store = Store.open(db)
    except StoreError as err:
        print(f"stenosis-player: {err}", file=sys.stderr)
        return 1
    try:
        if store.opened_notice:
            print(f"stenosis-player: {store.opened_notice}", file=sys.stderr)
        if getattr(args, "csv", False):
            export_csv(store, out)
        else:
            print_table(store, out)
    finally:
        store.close()
    return 0


def export_csv_empty(out: TextIO) -> None:
    from .history import CSV_COLUMNS

    print(",".join(CSV_COLUMNS), file=out)


def print_table(store: Store, out: TextIO) -> None:
    h = load_history(store)
    if not h.sessions:
        print("No sessions recorded yet.", file=out)
        return
    days = "day" if h.streak == 1 else "days"
    print(
        f"Sessions: {len(h.sessions)} · this week: {h.this_week} · streak: {h.streak} {days}",
        file=out,
    )
    print(file=out)
    header = ("Date", "Time", "Program", "Outcome", "Min", "Pain", "Exercises", "Hurts")
    rows = [header]
    for s in h.sessions:
        before = "–" if s.pain_before is None else str(s.pain_before)
        after = "–" if s.pain_after is None else str(s.pain_after)
        rows.append(
            (
                f"{s.started_at:%Y-%m-%d}",
                f"{s.started_at:%H:%M}",
                s.program_id,
                f"preview ({s.outcome})" if s.preview else s.outcome,
                f"{s.total_s / 60:.0f}",
                f"{before} → {after}",
                str(s.exercises_done),
                str(s.hurt_count),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {4, 6, 7}
    for r in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=out)
    if h.completion:
        print(file=out)
        print("Reps done of planned, per exercise:", file=out)
        width = max(len(c.name) for c in h.completion)
        for c in h.completion:
            print(
                f"  {c.name.ljust(width)}  {c.done_reps:>6} / {c.planned_reps:<6} {c.ratio:>4.0%}",
                file=out,
            )
