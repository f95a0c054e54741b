"""The check the scheduler runs: real settings.json, real state file, real progress
database, an injected wall clock. ``show`` stands for the user at the notification (it
returns their answer; the notification itself is tested over D-Bus elsewhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stenosis_player.reminders.progress import session_days
from stenosis_player.reminders.runner import POLL_S, Runner, read_settings
from stenosis_player.reminders.state import load_state, state_file
from stenosis_player.settings import Settings
from stenosis_player.store import SegmentDone, Store

BERLIN = ZoneInfo("Europe/Berlin")


class User:
    """Answers reminders in turn and remembers what it was shown."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[str, str, bool]] = []

    def __call__(self, due) -> str:
        self.seen.append((due.kind, due.slot, due.gentle))
        return self.answers.pop(0) if self.answers else "closed"


@pytest.fixture
def folders(tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir()
    config.mkdir()
    return data, config / "settings.json"


def write_settings(path, **values) -> None:
    s = Settings(path)
    for key, value in values.items():
        s.set(f"reminders.{key}", value)
    s.save()


def make_runner(folders, wall, user, launched):
    data, settings = folders
    return Runner(
        data,
        settings,
        show=user,
        launch=launched.append,
        now=wall,
        tz=BERLIN,
        sleep=wall.sleep,
    )


def test_nothing_is_shown_while_reminders_are_off(folders, wall):
    write_settings(folders[1], enabled=False, times="09:00")
    user, launched = User(), []
    wall.moment = datetime(2026, 6, 2, 9, 0, tzinfo=BERLIN)
    assert make_runner(folders, wall, user, launched).tick() == (None, None)
    assert user.seen == []


def test_at_its_time_a_reminder_is_shown_once_and_start_opens_the_player(folders, wall):
    write_settings(folders[1], enabled=True, days="tue", times="09:00")
    user, launched = User("start"), []
    runner = make_runner(folders, wall, user, launched)
    assert runner.tick() == (None, None)  # 08:00
    wall.moment = datetime(2026, 6, 2, 9, 0, 20, tzinfo=BERLIN)
    due, answer = runner.tick()
    assert (due.slot, answer) == ("2026-06-02T09:00", "start")
    assert launched == ["start"]
    assert "2026-06-02T09:00" in load_state(state_file(folders[0])).fired
    assert runner.tick() == (None, None)  # a second check at the same minute
    assert len(user.seen) == 1


def test_a_session_done_today_in_the_progress_database_silences_the_day(folders, wall):
    data, settings = folders
    write_settings(settings, enabled=True, times="09:00")
    morning = datetime(2026, 6, 2, 5, 30, tzinfo=UTC)  # 07:30 in Berlin
    with Store.open(data / "progress.sqlite3", now=lambda: morning) as store:
        store.finish_session(store.begin_session("step-by-step"), "completed")
    user = User()
    wall.moment = datetime(2026, 6, 2, 9, 1, tzinfo=BERLIN)
    assert make_runner(folders, wall, user, []).tick() == (None, None)
    wall.moment = datetime(2026, 6, 3, 9, 1, tzinfo=BERLIN)
    due, _ = make_runner(folders, wall, user, []).tick()
    assert due is not None and due.day == date(2026, 6, 3) and not due.gentle


def test_snooze_keeps_the_check_waiting_and_shows_it_again_30_minutes_later(folders, wall):
    write_settings(folders[1], enabled=True, times="09:00")
    wall.moment = datetime(2026, 6, 2, 9, 0, tzinfo=BERLIN)
    user, launched = User("snooze", "skip"), []
    shown = make_runner(folders, wall, user, launched).run_until_idle()
    assert shown == 2
    assert [kind for kind, _, _ in user.seen] == ["slot", "snooze"]
    assert wall.moment == datetime(2026, 6, 2, 9, 30, tzinfo=BERLIN)
    assert all(s <= POLL_S for s in wall.slept)  # woke at least every minute
    state = load_state(state_file(folders[0]))
    assert state.not_today == date(2026, 6, 2) and state.snoozed_until is None
    assert launched == []


def test_now_shows_a_reminder_even_outside_the_schedule(folders, wall):
    write_settings(folders[1], enabled=False)
    user = User("open")
    launched: list[str] = []
    assert make_runner(folders, wall, user, launched).run_until_idle(force=True) == 1
    assert launched == ["open"]


def test_the_resident_loop_sleeps_until_the_next_slot_and_notices_removal(folders, wall):
    write_settings(folders[1], enabled=True, times="09:00 09:02")
    wall.moment = datetime(2026, 6, 2, 8, 58, 30, tzinfo=BERLIN)
    user = User()
    runner = make_runner(folders, wall, user, [])
    checks = iter(range(10))
    runner.run_resident(lambda: next(checks) < 6)
    assert [slot for _, slot, _ in user.seen] == ["2026-06-02T09:00", "2026-06-02T09:02"]
    assert wall.slept[:2] == [60.0, 30.0]  # a minute at most, then exactly to 09:00


def test_bad_reminder_settings_are_reported_and_mean_off(folders):
    folders[1].write_text('{"reminders": {"enabled": true, "times": "9 o\'clock"}}')
    conf = read_settings(folders[1])
    assert conf.enabled is True and conf.plan.times != ()  # the bad value took its default
    folders[1].write_text('{"reminders": {"enabled": "yes"}}')
    assert read_settings(folders[1]).enabled is False


def test_session_days_reads_the_database_without_creating_or_changing_it(tmp_path):
    db = tmp_path / "progress.sqlite3"
    assert session_days(db, date(2026, 6, 1)) == (set(), None)
    assert not db.exists()
    now = [datetime(2026, 6, 1, 22, 30, tzinfo=UTC)]  # already 2 June in Berlin
    with Store.open(db, now=lambda: now[0]) as store:
        store.finish_session(store.begin_session("a"), "completed")
        now[0] += timedelta(days=1)
        store.begin_session("b")  # still in progress: not a session done
        now[0] += timedelta(days=1)
        store.finish_session(store.begin_session("c"), "stopped")  # nothing done
        now[0] += timedelta(days=1)
        going = store.begin_session("d")  # 5 June: the player is open mid-session
        store.record_segment(going, SegmentDone(0, "move", "walking", duration=30.0))
    before = db.read_bytes()
    days, problem = session_days(db, date(2026, 5, 30), BERLIN)
    assert problem is None
    assert days == {date(2026, 6, 2), date(2026, 6, 5)}
    assert db.read_bytes() == before
