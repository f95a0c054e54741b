"""The database file itself: WAL, versions, migrations, damaged and newer files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from stenosis_player.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SegmentDone,
    Store,
    StoreError,
    _statements,
)


def test_open_creates_folders_and_uses_wal(db_path: Path, fake_now):
    assert not db_path.parent.exists()
    with Store.open(db_path, now=fake_now) as s:
        assert s.version == SCHEMA_VERSION == 5
        assert s.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.opened_notice is None
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent
    raw.close()


def test_reopen_keeps_data(db_path: Path, fake_now):
    with Store.open(db_path, now=fake_now) as s:
        sid = s.begin_session("step-by-step")
        s.record_segment(sid, SegmentDone(0, "intro", "a"))
    with Store.open(db_path, now=fake_now) as s:
        assert s.done_indices(sid) == [0]


def test_newer_database_is_refused_and_left_byte_identical(db_path: Path, fake_now):
    with Store.open(db_path, now=fake_now) as s:
        s.begin_session("p")
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.execute("PRAGMA journal_mode=DELETE")  # a plain file, nothing pending in a WAL
    raw.close()
    before = db_path.read_bytes()
    siblings = sorted(p.name for p in db_path.parent.iterdir())
    with pytest.raises(
        StoreError, match=rf"newer version.*version {SCHEMA_VERSION + 5}.*not changed"
    ):
        Store.open(db_path, now=fake_now)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == siblings


@pytest.mark.parametrize(
    "damage",
    ["not-a-database", "truncated", "garbage-after-header"],
)
def test_damaged_file_is_moved_aside_and_a_new_one_started(db_path: Path, fake_now, damage):
    with Store.open(db_path, now=fake_now) as s:
        sid = s.begin_session("p")
        with s.transaction():
            for i in range(400):  # enough rows for several pages
                s.record_segment(sid, SegmentDone(i, "move", "exercise-with-a-long-id"))
    data = db_path.read_bytes()
    assert len(data) > 4 * 4096
    if damage == "not-a-database":
        db_path.write_text("these are my notes, not a database\n")
    elif damage == "truncated":
        db_path.write_bytes(data[: len(data) // 2])
    else:
        db_path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))
    damaged = db_path.read_bytes()
    (db_path.parent / (db_path.name + "-wal")).write_bytes(b"stale wal")

    s = Store.open(db_path, now=fake_now)
    try:
        assert s.moved_aside == db_path.with_name("progress.sqlite3.corrupt-20250303-090000")
        assert s.moved_aside.read_bytes() == damaged  # kept, never deleted
        assert s.moved_aside.with_name(s.moved_aside.name + "-wal").read_bytes() == b"stale wal"
        assert str(s.moved_aside) in (s.opened_notice or "")
        assert s.unfinished_session() is None
        assert s.connection.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    finally:
        s.close()


def test_moving_aside_twice_in_the_same_second_keeps_both(db_path: Path, fake_now):
    for text in ("first", "second"):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db_path.write_text(text * 50)
        Store.open(db_path, now=fake_now).close()
        for side in ("-wal", "-shm"):
            db_path.with_name(db_path.name + side).unlink(missing_ok=True)
        db_path.unlink()
    kept = sorted(p.name for p in db_path.parent.glob("*.corrupt-*"))
    assert kept == [
        "progress.sqlite3.corrupt-20250303-090000",
        "progress.sqlite3.corrupt-20250303-090000-2",
    ]


def test_empty_file_is_a_new_database(db_path: Path, fake_now):
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    with Store.open(db_path, now=fake_now) as s:
        assert s.version == SCHEMA_VERSION
        assert s.opened_notice is None


def test_migration_from_the_first_schema_keeps_sessions(db_path: Path, fake_now):
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO sessions (id, program_id, started_at, outcome, total_s) VALUES "
        "(1, 'step-by-step', '2025-03-01T08:00:00+00:00', 'in-progress', 30)"
    )
    rows = [
        (1, i, k, "lumbar-flexion-lying", "2025-03-01T08:01:00+00:00")
        for i, k in enumerate(["intro", "get-ready", "move", "hold", "release", "move", "hold"])
    ]
    raw.executemany(
        "INSERT INTO segments_done (session_id, segment_index, kind, exercise_id, finished_at)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    raw.execute("INSERT INTO checkins VALUES (1, 'before', 4, '2025-03-01T07:59:00+00:00')")
    raw.close()

    with Store.open(db_path, now=fake_now) as s:
        assert s.version == SCHEMA_VERSION  # v1 → v2 → v3
        ex = s.connection.execute(
            "SELECT exercise_id, done_reps, planned_reps FROM session_exercises"
        ).fetchall()
        assert ex == [("lumbar-flexion-lying", 1, None)]
        info = s.unfinished_session()
        assert info is not None
        assert (info.session_id, info.resume_index, info.segments_done) == (1, 7, 7)
        assert info.label == "lumbar-flexion-lying"
        s.remove_exercise("walking", "new table works")
        assert s.removed_exercises() == {"walking"}
        pain = s.connection.execute("SELECT pain FROM checkins").fetchone()[0]
        assert pain == 4


def test_a_failing_migration_leaves_the_previous_version(db_path: Path, fake_now, monkeypatch):
    import stenosis_player.store as store_mod

    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.close()
    broken = MIGRATIONS[1] + "\nCREATE TABLE hurts (x);\n"  # fails after most of v2 ran
    monkeypatch.setattr(store_mod, "MIGRATIONS", (MIGRATIONS[0], broken))
    with pytest.raises(StoreError, match=r"cannot upgrade .* left at version 1"):
        Store.open(db_path, now=fake_now)
    assert not list(db_path.parent.glob("*.corrupt-*"))  # a failed upgrade is not damage
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert "hurts" not in tables and "session_exercises" not in tables
    raw.close()


def test_unwritable_file_gives_one_clear_error(db_path: Path, fake_now):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write anything")
    Store.open(db_path, now=fake_now).close()
    db_path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="permissions"):
            Store.open(db_path, now=fake_now)
    finally:
        db_path.chmod(0o644)


def test_store_recorder_and_history_never_import_qt():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('Qt is blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import stenosis_player.store, stenosis_player.recorder, stenosis_player.history\n"
        "import stenosis_player.history_cli\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
