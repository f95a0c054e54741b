"""History numbers and the CSV export, against seeded sessions."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, date

from stenosis_player.history import (
    CSV_COLUMNS,
    current_streak,
    export_csv,
    load_history,
    sessions_per_week,
)
from stenosis_player.history_cli import run_history
from stenosis_player.paths import app_paths
from stenosis_player.store import Store


def test_sessions_per_iso_week(store, seeded):
    h = load_history(store, today=date(2025, 3, 12), tz=UTC)
    assert [(w.year, w.week, w.sessions, w.completed) for w in h.weeks] == [
        (2025, 9, 2, 2),
        (2025, 10, 4, 3),
        (2025, 11, 2, 2),
    ]
    assert h.weeks[0].monday == date(2025, 2, 24)
    assert h.this_week == 2


def test_weeks_without_sessions_are_zero_and_last_n_weeks(store, seeded):
    h = load_history(store, today=date(2025, 3, 31), tz=UTC, weeks=7)
    assert [w.sessions for w in h.weeks] == [0, 2, 4, 2, 0, 0, 0]
    assert h.weeks[-1].monday == date(2025, 3, 31)


def test_streak_counts_consecutive_days_ending_today_or_yesterday(store, seeded):
    # completed on 8, 9, 10, 11 March (the 6th was stopped)
    assert load_history(store, today=date(2025, 3, 11), tz=UTC).streak == 4
    assert load_history(store, today=date(2025, 3, 12), tz=UTC).streak == 4  # not yet today
    assert load_history(store, today=date(2025, 3, 13), tz=UTC).streak == 0
    assert current_streak([], date(2025, 1, 1)) == 0
    assert current_streak([date(2025, 1, 1), date(2024, 12, 31)], date(2025, 1, 1)) == 2


def test_pain_before_and_after_series(store, seeded):
    h = load_history(store, today=date(2025, 3, 12), tz=UTC)
    assert [(p.before, p.after) for p in h.pain] == [
        (6, 4),
        (5, 5),
        (5, 3),
        (7, None),
        (4, 2),
        (3, 2),
        (3, 1),
    ]  # the session with both questions skipped is left out


def test_completion_per_exercise(store, seeded):
    h = load_history(store, today=date(2025, 3, 12), tz=UTC)
    by_id = {c.exercise_id: c for c in h.completion}
    flex = by_id["lumbar-flexion-lying"]
    assert (flex.done_reps, flex.planned_reps, flex.sessions) == (64, 70, 7)
    assert flex.name == "Lumbar flexion in lying"
    walk = by_id["walking"]
    assert (walk.done_reps, walk.planned_reps) == (8, 8)
    assert walk.ratio == 1.0


def test_an_in_progress_session_is_not_counted_in_weeks(store, fake_now, seeded):
    from datetime import datetime

    from store_seed import seed_session

    seed_session(store, fake_now, datetime(2025, 3, 12, 9, tzinfo=UTC), outcome="in-progress")
    h = load_history(store, today=date(2025, 3, 12), tz=UTC)
    assert h.weeks[-1].sessions == 2
    assert sessions_per_week(h.sessions, date(2025, 3, 12), weeks=1)[0].sessions == 2


def test_csv_has_one_row_per_session_matching_the_data(store, seeded, tmp_path):
    path = tmp_path / "export" / "history.csv"
    path.parent.mkdir()
    assert export_csv(store, path, tz=UTC) == 8
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 8
    first = rows[0]
    assert first["date"] == "2025-02-25" and first["time"] == "08:00"
    assert first["program"] == "step-by-step" and first["outcome"] == "completed"
    assert first["duration_min"] == "20.0"
    assert (first["pain_before"], first["pain_after"]) == ("6", "4")
    assert first["exercises_done"] == "2"
    assert first["exercises"] == "Lumbar flexion in lying 10/10; Walking 1/1"
    assert first["hurts"] == "0"
    stopped = rows[3]
    assert stopped["outcome"] == "stopped" and stopped["duration_min"] == "6.0"
    assert (stopped["pain_before"], stopped["pain_after"]) == ("7", "")
    assert stopped["exercises"] == "Lumbar flexion in lying 4/10; Walking 1/1"
    assert stopped["hurts"] == "1"
    assert stopped["hurt_details"] == "Lumbar flexion in lying: end"
    assert rows[7]["exercises"].startswith("'=Walking")  # never a spreadsheet formula


def test_csv_to_an_open_file(store, seeded):
    buf = io.StringIO()
    export_csv(store, buf, tz=UTC)
    assert buf.getvalue().count("\n") == 9


def test_history_command_prints_a_table_and_csv(tmp_path, fake_now, capsys):
    data = tmp_path / "portable"
    args = argparse.Namespace(data_dir=str(data), csv=False)
    assert run_history(args) == 0
    assert "No sessions recorded yet." in capsys.readouterr().out
    assert not app_paths(data).database_file.exists()  # reading history creates nothing

    from datetime import datetime

    from store_seed import seed_session

    with Store.open(app_paths(data).database_file, now=fake_now) as s:
        seed_session(s, fake_now, datetime(2025, 3, 4, 9, tzinfo=UTC), before=5, after=3)
    assert run_history(args) == 0
    out = capsys.readouterr().out
    assert "Sessions: 1" in out
    assert "step-by-step" in out and "completed" in out and "5 → 3" in out
    args.csv = True
    assert run_history(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert len(lines) == 2


def test_history_command_reports_a_newer_database_in_one_line(tmp_path, fake_now, capsys):
    import sqlite3

    data = tmp_path / "portable"
    db = app_paths(data).database_file
    Store.open(db, now=fake_now).close()
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    assert run_history(argparse.Namespace(data_dir=str(data), csv=False)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "newer version" in err and "Traceback" not in err
