"""A progress store that fails mid-session never freezes the session: a database locked by
another program (a second connection holding BEGIN IMMEDIATE) and a full disk (a small
tmpfs). The window says progress is not being saved, keeps going, writes what waited once
the store works again, and nothing saved before is lost. The store runs its writer thread,
as in the app (``settled`` waits for it, then lets the window hear its state)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from fakes import FakeClock

from stenosis_player.settings import Settings
from stenosis_player.store import WRITE_WAIT_MS, Store
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

ORDER = ["seated-lumbar-flexion"]


def window(qtbot, catalog, folder: Path, store: Store) -> tuple[MainWindow, FakeClock]:
    settings = Settings(folder / "settings.json")
    settings.set("programs.step-by-step.order", ORDER)
    clock = FakeClock(10.0)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store)
    qtbot.addWidget(w)
    w.show()
    w.hands_free = True
    return w, clock


def settled(w: MainWindow) -> None:
    """Wait for the writer thread to finish what it was asked (or fail), then let the
    recorder hear how it went, as the next tick would."""
    w.recorder.writer.wait_idle()
    w.recorder.flush()
    w.recorder.writer.wait_idle()


def run(w: MainWindow, clock: FakeClock, seconds: float) -> None:
    end = clock.now + seconds
    while clock.now < end and w.controller.stage.value in ("running", "resuming"):
        clock.now += 0.5
        w.controller.tick()


def saved_rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT session_id, segment_index, kind, skipped FROM segments_done ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


def finished_session(qtbot, catalog, folder: Path, store: Store) -> list[tuple]:
    """One whole session recorded normally: what must survive the fault."""
    w, clock = window(qtbot, catalog, folder, store)
    w.start_session()
    run(w, clock, 3600)
    assert w.controller.stage.value == "finished"
    rows = saved_rows(store.path)
    assert rows
    w.close()
    return rows


def test_a_locked_database_does_not_freeze_the_session(qtbot, catalog, tmp_path):
    db = tmp_path / "progress.sqlite3"
    store = Store.open(db)
    assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] == WRITE_WAIT_MS
    store.start_writer()
    before = finished_session(qtbot, catalog, tmp_path, store)

    w, clock = window(qtbot, catalog, tmp_path, store)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    w.start_session()
    run(w, clock, 60)
    settled(w)
    assert w.controller.stage.value == "running"  # the session goes on, timer scheduled
    assert w.controller.timer_interval_ms() is not None
    assert w.controller.current.index > 4
    assert w.player.notices.text().startswith("Progress is not being saved: the progress file")
    assert "in use by another program" in w.player.notices.text()
    assert w.recorder.unsaved > 0
    assert saved_rows(db) == before  # nothing new could be written, nothing old lost

    other.execute("ROLLBACK")  # the other program lets go
    other.close()
    run(w, clock, 3600)
    assert w.controller.stage.value == "finished"
    assert w.player.notices.text() == ""
    assert w.recorder.unsaved == 0
    rows = saved_rows(db)
    assert rows[: len(before)] == before
    second = [r for r in rows if r[0] != before[0][0]]
    assert [r[1] for r in second] == list(range(len(w.controller.script)))
    con = sqlite3.connect(db)
    outcomes = [r[0] for r in con.execute("SELECT outcome FROM sessions ORDER BY id")]
    con.close()
    assert outcomes == ["completed", "completed"]


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs: a disk that can really fill up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or 'not root'}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_full_disk_does_not_freeze_the_session(qtbot, catalog, small_disk):
    db = small_disk / "progress.sqlite3"
    store = Store.open(db)
    store.start_writer()
    before = finished_session(qtbot, catalog, small_disk, store)
    store.close()  # the -wal file goes: the next session's writes need new disk space
    store = Store.open(db)
    store.start_writer()
    w, clock = window(qtbot, catalog, small_disk, store)
    filler = fill(small_disk)
    w.start_session()
    run(w, clock, 60)
    settled(w)
    assert w.controller.stage.value == "running"
    assert w.controller.current.index > 4
    assert w.player.notices.text() == (
        "Progress is not being saved: the disk is full. Trying again; the session goes on."
    )
    assert saved_rows(db)[: len(before)] == before

    filler.unlink()  # the user makes room
    run(w, clock, 3600)
    assert w.controller.stage.value == "finished"
    assert w.recorder.unsaved == 0
    assert w.player.notices.text() == ""
    rows = saved_rows(db)
    assert rows[: len(before)] == before
    assert len(rows) == len(before) + len(w.controller.script)


def test_a_history_export_on_a_full_disk_keeps_the_last_good_file(small_disk, tmp_path):
    from stenosis_player.history import export_csv

    store = Store.open(tmp_path / "progress.sqlite3")
    store.finish_session(store.begin_session("step-by-step"), "completed")
    out = small_disk / "history.csv"
    export_csv(store, out)
    good = out.read_bytes()
    for n in range(40):  # many sessions: the next export is larger than the room left
        store.finish_session(store.begin_session(f"program-{n}"), "stopped")
    fill(small_disk)
    with pytest.raises(OSError):
        export_csv(store, out)
    assert out.read_bytes() == good
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "history.csv"]
    store.close()
