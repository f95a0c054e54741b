"""The store's writer thread (store_writer.py), on a real SQLite file: a session's commits
run on it, never on the UI thread; writes land in the order asked; a read right after a
write sees it; closing writes what is queued, and what a stuck database holds back is kept
in a journal that the next start writes, once."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from fakes import FakeClock

from stenosis_player.engine import Engine
from stenosis_player.recorder import SessionRecorder
from stenosis_player.settings import Settings
from stenosis_player.store import Store
from stenosis_player.store_writer import journal_path, op
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech


def rows(db: Path, sql: str) -> list[tuple]:
    """Read the file through a connection of our own (what is really on disk)."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def play(engine: Engine, recorder: SessionRecorder, clock, until: int | None = None) -> list[int]:
    """Tick the engine to the end (or until segment ``until`` runs); the indices finished."""
    done: list[int] = []
    recorder.handle(engine.start())
    while engine.stage.value == "running" and (until is None or engine.index < until):
        clock.t += 0.5
        events = engine.tick()
        done += [e.segment.index for e in events if type(e).__name__ == "SegmentFinished"]
        recorder.handle(events)
    return done


@pytest.fixture
def threaded(db_path, fake_now):
    store = Store.open(db_path, now=fake_now)
    store.start_writer()
    yield store
    store.close()


def hold_lock(db: Path) -> sqlite3.Connection:
    """Another program takes the write lock and keeps it."""
    other = sqlite3.connect(db, isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_sessions_commits_run_on_the_writer_thread_not_the_ui_thread(
    qtbot, store_catalog, tmp_path, monkeypatch
):
    traced: list[tuple[int, str]] = []  # (thread, statement) on every connection we open
    attach = Store.attach

    def traced_attach(path, now):
        s = attach(path, now)
        s._conn.set_trace_callback(lambda sql: traced.append((threading.get_ident(), sql)))
        return s

    monkeypatch.setattr(Store, "attach", traced_attach)
    db = tmp_path / "progress.sqlite3"
    store = Store.open(db)
    store.start_writer()
    store.connection.set_trace_callback(lambda sql: traced.append((threading.get_ident(), sql)))
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["seated-lumbar-flexion"])
    clock = FakeClock(10.0)
    w = MainWindow(
        store_catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock, store=store
    )
    qtbot.addWidget(w)
    w.show()
    w.hands_free = True
    w.start_session()
    while w.controller.stage.value == "running":
        clock.now += 0.5
        w.controller.tick()
    assert w.controller.stage.value == "finished"
    store.writer.wait_idle()
    main = threading.main_thread().ident
    commits = [t for t, sql in traced if sql.strip().upper() == "COMMIT"]
    assert len(commits) > len(w.controller.script) // 2  # the session was really written
    assert main not in commits
    writes = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE", "COMMIT")
    assert [sql for t, sql in traced if t == main and sql.strip().upper().startswith(writes)] == []
    done = rows(db, "SELECT segment_index FROM segments_done ORDER BY 1")
    assert [r[0] for r in done] == list(range(len(w.controller.script)))
    assert rows(db, "SELECT outcome FROM sessions") == [("completed",)]
    w.close()
    store.close()


def test_writes_land_in_the_order_they_were_asked_for(threaded, step_script, tick_clock):
    rec = SessionRecorder(threaded, "step-by-step", step_script)
    choices = ["skip", "easier", "remove", "end", "continue"] * 4
    for n, choice in enumerate(choices):
        rec.record_hurt(step_script[n], choice)
        rec.record_checkin("before", n % 11)  # each replaces the one before
    finished = play(Engine(step_script, tick_clock), rec, tick_clock)
    threaded.writer.wait_idle()
    db = threaded.path
    hurts = rows(db, "SELECT segment_index, choice FROM hurts ORDER BY id")
    assert hurts == [(n, c) for n, c in enumerate(choices)]
    assert rows(db, "SELECT moment, pain FROM checkins") == [("before", (len(choices) - 1) % 11)]
    assert [r[0] for r in rows(db, "SELECT segment_index FROM segments_done ORDER BY 1")] == (
        finished
    )
    assert rows(db, "SELECT outcome FROM sessions") == [("completed",)]
    assert rec.problem is None and rec.unsaved == 0


def test_remove_after_it_hurts_is_saved_and_later_writes_follow(threaded, step_script):
    """Version 2's table refused the choice 'remove': the write failed on every retry and
    held back every write after it for the rest of the session."""
    rec = SessionRecorder(threaded, "step-by-step", step_script)
    rec.record_hurt(step_script[3], "remove")
    rec.remove_exercise(step_script[3].exercise_id, "it hurt twice in a row")
    rec.record_checkin("after", 2)
    assert threaded.writer.wait_idle()
    assert rows(threaded.path, "SELECT choice FROM hurts") == [("remove",)]
    assert threaded.removed_exercises() == {step_script[3].exercise_id}
    assert rows(threaded.path, "SELECT pain FROM checkins") == [(2,)]
    assert rec.problem is None


def test_a_read_right_after_a_write_sees_it(threaded, step_script, tick_clock):
    rec = SessionRecorder(threaded, "step-by-step", step_script)
    play(Engine(step_script, tick_clock), rec, tick_clock, until=6)
    info = threaded.unfinished_session()  # no wait by the test: the read itself waits
    assert info is not None and info.resume_index == 6
    assert info.session_id == rec.session_id
    rec.record_hurt(step_script[5], "continue")
    count = threaded.connection.execute("SELECT count(*) FROM hurts").fetchone()[0]
    assert count == 1
    threaded.remove_exercise("walking", "test")
    assert threaded.removed_exercises() == {"walking"}
    assert threaded.restore_exercise("walking") is True  # a value back from the writer
    assert threaded.removed_exercises() == frozenset()


def test_the_ui_connection_cannot_write_once_the_writer_runs(threaded):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        threaded.connection.execute("DELETE FROM sessions")


def test_close_writes_every_queued_write(db_path, fake_now, step_script, tick_clock):
    store = Store.open(db_path, now=fake_now)
    store.start_writer(clock=tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script, clock=tick_clock)
    other = hold_lock(db_path)
    finished = play(Engine(step_script, tick_clock), rec, tick_clock, until=10)
    rec.record_checkin("before", 4)
    store.writer.wait_idle()
    assert rec.unsaved > 0  # queued: the other program holds the lock
    assert rows(db_path, "SELECT count(*) FROM segments_done") == [(0,)]
    other.execute("ROLLBACK")
    other.close()
    store.close()  # the retry gap has not passed: closing writes them anyway
    assert store.close_notice is None
    assert not journal_path(db_path).exists()
    assert [r[0] for r in rows(db_path, "SELECT segment_index FROM segments_done ORDER BY 1")] == (
        finished
    )
    assert rows(db_path, "SELECT pain FROM checkins") == [(4,)]
    assert rows(db_path, "SELECT resume_index FROM sessions") == [(10,)]


def test_a_database_stuck_at_close_keeps_the_writes_for_the_next_start(
    db_path, fake_now, step_script, tick_clock
):
    store = Store.open(db_path, now=fake_now)
    store.start_writer(clock=tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script, clock=tick_clock)
    finished = play(Engine(step_script, tick_clock), rec, tick_clock, until=4)
    store.writer.wait_idle()
    sid = rec.session_id
    assert sid is not None
    other = hold_lock(db_path)
    more = play_on(rec, tick_clock, step_script, from_index=4, to_index=12)
    rec.record_hurt(step_script[11], "continue")
    second = SessionRecorder(store, "step-by-step", step_script, clock=tick_clock)
    second.record_checkin("before", 7)  # a session whose row does not exist yet
    store.close(timeout=0.3)  # bounded: the lock stays
    journal = journal_path(db_path)
    assert journal.exists()
    assert "kept in" in store.close_notice and str(journal) in store.close_notice
    assert rows(db_path, "SELECT count(*) FROM segments_done") == [(len(finished),)]
    other.execute("ROLLBACK")
    other.close()

    again = Store.open(db_path, now=fake_now)
    again.start_writer()
    assert again.writer.wait_idle()
    done = rows(db_path, "SELECT session_id, segment_index FROM segments_done ORDER BY 2")
    assert done == [(sid, i) for i in finished + more]
    assert rows(db_path, "SELECT session_id, choice FROM hurts") == [(sid, "continue")]
    sessions = rows(db_path, "SELECT id, outcome FROM sessions ORDER BY id")
    assert sessions == [(sid, "crashed"), (sid + 1, "in-progress")]
    assert rows(db_path, "SELECT session_id, pain FROM checkins") == [(sid + 1, 7)]
    assert not journal.exists()
    again.close()


def play_on(rec, clock, script, *, from_index: int, to_index: int) -> list[int]:
    """Hand the recorder the events of segments from_index..to_index-1 finishing."""
    from stenosis_player.engine import SegmentFinished, SegmentStarted

    for i in range(from_index, to_index):
        rec.handle([SegmentFinished(script[i], False), SegmentStarted(script[i + 1])])
    return list(range(from_index, to_index))


def test_a_journaled_write_that_had_landed_is_not_written_twice(threaded, step_script):
    """A write on its way when the app closed may have landed and be in the journal too."""
    rec = SessionRecorder(threaded, "step-by-step", step_script)
    rec.record_hurt(step_script[2], "skip")
    threaded.writer.wait_idle()
    job = threaded.writer.submit([op("record_hurt", rec.session_id, "x", 2, "skip")])
    threaded.writer.wait_idle()
    assert job.future.done()  # it landed ...
    journal = journal_path(threaded.path)  # ... and the journal holds it too
    journal.write_text(json.dumps({"version": 1, "jobs": [job.to_json({})]}))
    path, now = threaded.path, threaded.now
    threaded.close()
    again = Store.open(path, now=now)
    again.start_writer()
    assert again.writer.wait_idle()
    assert not journal.exists()
    assert rows(path, "SELECT exercise_id, choice FROM hurts ORDER BY id") == [
        (step_script[2].exercise_id, "skip"),
        ("x", "skip"),
    ]
    again.close()


def test_an_unreadable_journal_is_kept_aside_with_a_notice(db_path, fake_now):
    Store.open(db_path, now=fake_now).close()
    journal = journal_path(db_path)
    journal.write_text("{not json", encoding="utf-8")
    store = Store.open(db_path, now=fake_now)
    writer = store.start_writer()
    assert writer.journal_notice is not None and "could not be read" in writer.journal_notice
    kept = [p for p in db_path.parent.iterdir() if ".pending.json.unreadable-" in p.name]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert not journal.exists()
    store.close()


def writer_threads() -> int:
    return sum(t.name == "store-writer" and t.is_alive() for t in threading.enumerate())


def test_the_app_starts_the_writer_thread_at_the_first_write(db_path, step_script):
    from stenosis_player.ui.app import open_store

    before = writer_threads()
    store, notices = open_store(db_path)
    assert notices == []
    assert writer_threads() == before  # not in the slice that opens the store
    rec = SessionRecorder(store, "step-by-step", step_script)
    rec.record_checkin("before", 3)
    assert writer_threads() == before + 1
    assert store.connection.execute("SELECT pain FROM checkins").fetchall() == [(3,)]
    store.close()
    assert writer_threads() == before


def test_writes_a_stuck_close_kept_are_there_when_the_app_opens_the_store(
    db_path, fake_now, step_script, tick_clock
):
    from stenosis_player.ui.app import open_store

    store = Store.open(db_path, now=fake_now)
    store.start_writer(clock=tick_clock)
    rec = SessionRecorder(store, "step-by-step", step_script, clock=tick_clock)
    other = hold_lock(db_path)
    finished = play(Engine(step_script, tick_clock), rec, tick_clock, until=5)
    store.close(timeout=0.2)
    assert journal_path(db_path).exists()
    other.execute("ROLLBACK")
    other.close()

    again, notices = open_store(db_path)
    assert notices == []
    info = again.unfinished_session()  # the resume offer, read at once
    assert info is not None and info.resume_index == 5
    assert again.done_indices(info.session_id) == finished
    assert not journal_path(db_path).exists()
    again.close()
