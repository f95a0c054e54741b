"""Ten years of daily sessions: database size, history screen open time, CSV export time;
and what one session's writes cost the thread that asks for them.

    python bench/bench_store.py [--sessions 3650] [--keep PATH] [--writes-only]

Seeds 3,650 sessions of the real 'step-by-step' script (about 200 segments each, with
check-ins and the odd hurt) through the Store's own SQL, in bulk, then measures. Prints
numbers only. Goal: the history screen opens in under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stenosis_player.catalog import load_catalog  # noqa: E402
from stenosis_player.recorder import plan_of, resume_label, script_fingerprint  # noqa: E402
from stenosis_player.script import build_script  # noqa: E402
from stenosis_player.store import REP_KINDS, Store, to_iso  # noqa: E402


def seed(store: Store, n_sessions: int) -> int:
    script = build_script(load_catalog(REPO / "exercises.json"), "step-by-step")
    plan = plan_of(script)
    fingerprint = script_fingerprint(script)
    rng = random.Random(5)
    start = datetime(2015, 1, 1, 8, 30, tzinfo=UTC)
    c = store.connection
    rows = 0
    with store.transaction():
        for day in range(n_sessions):
            began = start + timedelta(days=day, minutes=rng.randint(0, 600))
            stopped = rng.random() < 0.1
            last = len(script) if not stopped else rng.randint(5, len(script) - 1)
            outcome = "stopped" if stopped else "completed"
            elapsed = 0.0
            segs = []
            done_reps: dict[str, int] = {}
            for s in script.segments[:last]:
                elapsed += s.duration
                skipped = rng.random() < 0.01
                segs.append(
                    (
                        s.index,
                        s.kind.value,
                        s.exercise_id,
                        s.set,
                        s.rep,
                        s.side,
                        to_iso(began + timedelta(seconds=elapsed)),
                        int(skipped),
                    )
                )
                if not skipped and s.kind.value in REP_KINDS and s.exercise_id:
                    done_reps[s.exercise_id] = done_reps.get(s.exercise_id, 0) + 1
            ended = to_iso(began + timedelta(seconds=elapsed))
            sid = c.execute(
                "INSERT INTO sessions (program_id, started_at, ended_at, outcome, total_s, "
                "resume_index, resume_label, segment_count, script_fingerprint) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    script.program_id,
                    to_iso(began),
                    ended,
                    outcome,
                    elapsed,
                    last,
                    resume_label(script, last),
                    len(script),
                    fingerprint,
                ),
            ).lastrowid
            c.executemany(
                "INSERT INTO segments_done (session_id, segment_index, kind, exercise_id, "
                "set_no, rep, side, finished_at, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sid, *row) for row in segs],
            )
            c.executemany(
                "INSERT INTO session_exercises (session_id, exercise_id, exercise_name, "
                "first_index, last_index, planned_reps, done_reps) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        sid,
                        p.exercise_id,
                        p.name,
                        p.first_index,
                        p.last_index,
                        p.planned_reps,
                        done_reps.get(p.exercise_id, 0),
                    )
                    for p in plan
                ],
            )
            pain = rng.randint(2, 8)
            c.execute("INSERT INTO checkins VALUES (?, 'before', ?, ?)", (sid, pain, to_iso(began)))
            c.execute(
                "INSERT INTO checkins VALUES (?, 'after', ?, ?)",
                (sid, None if stopped else max(0, pain - rng.randint(0, 3)), ended),
            )
            if stopped:
                c.execute(
                    "INSERT INTO hurts (session_id, exercise_id, segment_index, choice, at) "
                    "VALUES (?, ?, ?, 'end', ?)",
                    (sid, script[last - 1].exercise_id, last - 1, ended),
                )
            rows += len(segs)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return rows


WRITTEN = {"SegmentFinished", "SegmentStarted", "SessionFinished"}  # what the recorder writes


def session_writes(path: Path, threaded: bool) -> tuple[list[float], float]:
    """Per event list, the ms the calling thread spends in the recorder; then the ms until
    the writer has landed everything (0 when written on the calling thread)."""
    from stenosis_player.engine import Engine
    from stenosis_player.recorder import SessionRecorder

    script = build_script(load_catalog(REPO / "exercises.json"), "step-by-step")
    store = Store.open(path)
    if threaded:
        store.start_writer()
    t = [0.0]
    engine = Engine(script, lambda: t[0])
    rec = SessionRecorder(store, "step-by-step", script)
    costs: list[float] = []
    events = engine.start()
    while True:
        if any(type(e).__name__ in WRITTEN for e in events):
            t0 = time.perf_counter()
            rec.handle(events)
            costs.append((time.perf_counter() - t0) * 1000)
        if engine.stage.value != "running":
            break
        t[0] += 0.5
        events = engine.tick()
    t0 = time.perf_counter()
    store.writer.wait_idle(60)
    drain_ms = (time.perf_counter() - t0) * 1000
    store.close()
    return costs, drain_ms


def print_session_writes(path: Path) -> None:
    import statistics

    for threaded in (False, True):
        costs, drain = session_writes(path, threaded)
        where = "writer thread  " if threaded else "calling thread "
        print(
            f"session_writes_{where.strip().replace(' ', '_'):15} {len(costs)} event lists: "
            f"median {statistics.median(costs):.2f} ms, max {max(costs):.1f} ms on the "
            f"calling thread; all landed {drain:.0f} ms after the last"
        )


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sessions", type=int, default=3650)
    p.add_argument("--keep", metavar="PATH", help="write the database here and keep it")
    p.add_argument("--writes-only", action="store_true", help="only the session's writes")
    args = p.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(tmp.name) / "progress.sqlite3"
    if path.exists():
        path.unlink()

    t0 = time.perf_counter()
    with Store.open(path) as store:
        rows = seed(store, args.sessions)
    seed_s = time.perf_counter() - t0
    size = path.stat().st_size
    print_session_writes(path)
    if args.writes_only:
        tmp.cleanup()
        return 0

    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from stenosis_player.ui.history_view import HistoryView  # QtCharts import counted below

    t0 = time.perf_counter()
    store = Store.open(path)
    open_db_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    view = HistoryView(store)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.grab()  # the first frame is really painted
    history_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    view.refresh()
    refresh_ms = (time.perf_counter() - t0) * 1000

    out = Path(tmp.name) / "history.csv"
    t0 = time.perf_counter()
    from stenosis_player.history import export_csv

    n = export_csv(store, out)
    csv_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    store.unfinished_session()
    resume_ms = (time.perf_counter() - t0) * 1000

    print(f"sessions            {args.sessions}")
    print(f"segments            {rows}")
    print(f"seed_s              {seed_s:.1f}")
    print(f"db_mb               {size / 1e6:.1f}")
    print(f"open_store_ms       {open_db_ms:.0f}")
    print(f"history_screen_ms   {history_ms:.0f}")
    print(f"history_refresh_ms  {refresh_ms:.0f}")
    print(f"csv_export_ms       {csv_ms:.0f}")
    print(f"csv_rows            {n}")
    print(f"csv_kb              {out.stat().st_size / 1e3:.0f}")
    print(f"unfinished_query_ms {resume_ms:.1f}")
    view.close()
    store.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
