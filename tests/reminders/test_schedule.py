"""The reminder schedule against an injected clock and real time zones (Europe/Berlin:
clocks go forward 2026-03-29 02:00 → 03:00 and back 2026-10-25 03:00 → 02:00)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from stenosis_player.reminders.schedule import (
    SNOOZE,
    Plan,
    PlanError,
    State,
    apply_answer,
    decide,
    mark_shown,
    next_check,
    slot_instant,
    week_so_far,
)

BERLIN = ZoneInfo("Europe/Berlin")


def at(y, mo, d, h, mi=0, tz=BERLIN, fold=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold)


class Simulation:
    """Walks a clock forward minute by minute (as a resident process polling would) and
    records every reminder shown; ``answer`` says what the user does with each."""

    def __init__(self, plan: Plan, tz=BERLIN, answer: str = "closed") -> None:
        self.plan, self.tz, self.answer = plan, tz, answer
        self.state = State()
        self.done: set[date] = set()
        self.shown: list[tuple[datetime, str, str]] = []  # (local time, kind, slot)

    def check(self, now: datetime) -> None:
        due = decide(now, self.plan, self.state, self.done, self.tz)
        if due is not None:
            mark_shown(self.state, due, now, self.tz)
            self.shown.append((now.astimezone(self.tz), due.kind, due.slot))
            apply_answer(self.state, due.day, self.answer, now, self.tz)

    def walk(self, start: datetime, end: datetime, step=timedelta(minutes=1)) -> None:
        moment = start.astimezone(UTC)
        while moment <= end.astimezone(UTC):
            self.check(moment)
            moment += step


DAILY_9 = Plan.parse("mon tue wed thu fri sat sun", "09:00")


def test_plan_reads_days_and_times_and_names_what_is_wrong():
    plan = Plan.parse("Mon, wed  fri", "18:00 9:30,09:30")
    assert plan.days == {0, 2, 4}
    assert plan.times == (time(9, 30), time(18, 0))
    assert plan.describe() == "Mon, Wed, Fri at 09:30 and 18:00"
    with pytest.raises(PlanError, match="days: 'monday' is not a day"):
        Plan.parse("monday", "09:00")
    with pytest.raises(PlanError, match="times: '24:00' is not a time of day"):
        Plan.parse("mon", "24:00")


def test_one_reminder_per_slot_over_a_week_of_minutes():
    sim = Simulation(Plan.parse("mon wed fri", "09:00 18:30"))
    sim.walk(at(2026, 6, 1, 0), at(2026, 6, 7, 23, 59))  # Mon 1 June .. Sun 7 June
    assert [(t.strftime("%a %H:%M"), kind) for t, kind, _ in sim.shown] == [
        ("Mon 09:00", "slot"),
        ("Mon 18:30", "slot"),
        ("Wed 09:00", "slot"),
        ("Wed 18:30", "slot"),
        ("Fri 09:00", "slot"),
        ("Fri 18:30", "slot"),
    ]


def test_asleep_across_two_slots_gives_one_reminder_on_waking():
    sim = Simulation(Plan.parse("mon tue wed thu fri sat sun", "09:00 13:00"))
    sim.check(at(2026, 6, 2, 8, 0))  # checked before the laptop was closed
    sim.check(at(2026, 6, 2, 14, 10))  # opened again after both slots
    sim.check(at(2026, 6, 2, 14, 11))
    assert [(t.strftime("%H:%M"), slot) for t, _, slot in sim.shown] == [
        ("14:10", "2026-06-02T13:00")
    ]
    assert {"2026-06-02T09:00", "2026-06-02T13:00"} <= sim.state.fired
    sim.walk(at(2026, 6, 2, 14, 12), at(2026, 6, 2, 23, 59), timedelta(minutes=7))
    assert len(sim.shown) == 1


def test_asleep_overnight_lets_the_old_day_go_and_reminds_at_todays_time():
    sim = Simulation(DAILY_9)
    sim.check(at(2026, 6, 2, 8, 0))
    sim.check(at(2026, 6, 3, 8, 0))  # slept from before 09:00 yesterday until today 08:00
    assert sim.shown == []
    sim.walk(at(2026, 6, 3, 8, 1), at(2026, 6, 3, 9, 30))
    assert [slot for _, _, slot in sim.shown] == ["2026-06-03T09:00"]


def test_a_late_evening_slot_missed_by_minutes_after_midnight_still_comes():
    sim = Simulation(Plan.parse("tue", "23:30"))
    sim.check(at(2026, 6, 3, 0, 40))  # woke at 00:40 on Wednesday
    assert [slot for _, _, slot in sim.shown] == ["2026-06-02T23:30"]
    sim2 = Simulation(Plan.parse("tue", "23:30"))
    sim2.check(at(2026, 6, 3, 7, 0))  # but not the next morning
    assert sim2.shown == []


def test_no_reminder_on_a_day_with_a_session_done():
    sim = Simulation(DAILY_9)
    sim.done.add(date(2026, 6, 2))  # exercised at 07:00 already
    sim.walk(at(2026, 6, 2, 7, 0), at(2026, 6, 3, 10, 0))
    assert [slot for _, _, slot in sim.shown] == ["2026-06-03T09:00"]


def test_snooze_comes_back_once_after_30_minutes_and_holds_other_slots_back():
    sim = Simulation(Plan.parse("mon tue wed thu fri sat sun", "09:00 09:15"), answer="snooze")
    sim.check(at(2026, 6, 2, 9, 0))
    assert sim.state.snoozed_until == at(2026, 6, 2, 9, 0).astimezone(UTC) + SNOOZE
    sim.answer = "closed"
    sim.walk(at(2026, 6, 2, 9, 1), at(2026, 6, 2, 12, 0))
    assert [(t.strftime("%H:%M"), kind) for t, kind, _ in sim.shown] == [
        ("09:00", "slot"),
        ("09:30", "snooze"),  # the 09:15 slot waited and is covered by it
    ]
    assert "2026-06-02T09:15" in sim.state.fired
    assert sim.state.snoozed_until is None


def test_snooze_is_dropped_when_a_session_was_done_meanwhile():
    sim = Simulation(DAILY_9, answer="snooze")
    sim.check(at(2026, 6, 2, 9, 0))
    sim.done.add(date(2026, 6, 2))  # "Start" from elsewhere: done by 09:20
    sim.answer = "closed"
    sim.walk(at(2026, 6, 2, 9, 1), at(2026, 6, 2, 23, 0), timedelta(minutes=5))
    assert len(sim.shown) == 1


def test_not_today_silences_the_rest_of_the_day_only():
    sim = Simulation(Plan.parse("mon tue wed thu fri sat sun", "09:00 18:00"), answer="skip")
    sim.walk(at(2026, 6, 2, 8, 0), at(2026, 6, 3, 10, 0))
    assert [slot for _, _, slot in sim.shown] == ["2026-06-02T09:00", "2026-06-03T09:00"]


def test_spring_forward_a_time_in_the_missing_hour_fires_once_just_after_it():
    sim = Simulation(Plan.parse("sun mon", "02:30"))
    # 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist
    sim.walk(at(2026, 3, 28, 23, 0), at(2026, 3, 30, 4, 0))
    local = [(t.strftime("%d %H:%M %Z"), slot) for t, _, slot in sim.shown]
    assert local == [
        ("29 03:30 CEST", "2026-03-29T02:30"),
        ("30 02:30 CEST", "2026-03-30T02:30"),
    ]


def test_fall_back_a_repeated_time_fires_once_at_its_first_occurrence():
    sim = Simulation(Plan.parse("sun", "02:30"))
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice
    sim.walk(at(2026, 10, 25, 0, 0), at(2026, 10, 25, 5, 0))
    assert [(t.strftime("%H:%M %Z"), slot) for t, _, slot in sim.shown] == [
        ("02:30 CEST", "2026-10-25T02:30")
    ]


def test_ordinary_times_on_both_dst_days_keep_their_wall_clock_time():
    sim = Simulation(Plan.parse("sat sun mon", "09:00"))
    sim.walk(at(2026, 3, 28, 0), at(2026, 3, 30, 12), timedelta(minutes=5))
    sim.walk(at(2026, 10, 24, 0), at(2026, 10, 26, 12), timedelta(minutes=5))
    assert [t.strftime("%m-%d %H:%M") for t, _, _ in sim.shown] == [
        "03-28 09:00",
        "03-29 09:00",
        "03-30 09:00",
        "10-24 09:00",
        "10-25 09:00",
        "10-26 09:00",
    ]


def test_clock_set_back_an_hour_after_a_reminder_does_not_repeat_it():
    sim = Simulation(DAILY_9)
    sim.walk(at(2026, 6, 2, 8, 50), at(2026, 6, 2, 9, 10))
    sim.walk(at(2026, 6, 2, 8, 5), at(2026, 6, 2, 9, 30))  # someone corrected the clock
    assert len(sim.shown) == 1


def test_clock_jumping_forward_a_day_and_back_neither_skips_nor_repeats():
    sim = Simulation(DAILY_9)
    sim.walk(at(2026, 6, 2, 8, 0), at(2026, 6, 2, 9, 5))  # Tue 09:00 shown
    sim.check(at(2026, 6, 3, 9, 5))  # clock wrongly set to Wednesday: Wed's shown
    sim.walk(at(2026, 6, 2, 9, 6), at(2026, 6, 3, 10, 0), timedelta(minutes=3))  # corrected
    assert [slot for _, _, slot in sim.shown] == ["2026-06-02T09:00", "2026-06-03T09:00"]


def test_a_missed_planned_day_makes_the_next_reminder_gentle():
    plan = Plan.parse("mon wed fri", "09:00")
    state = State(since=date(2026, 5, 25))
    done = {date(2026, 5, 29)}  # Friday done; Monday 1 June missed
    wed = decide(at(2026, 6, 3, 9, 0), plan, state, done, BERLIN)
    assert wed is not None and wed.gentle
    done.add(date(2026, 6, 3))
    fri = decide(at(2026, 6, 5, 9, 0), plan, state, done, BERLIN)
    assert fri is not None and not fri.gentle
    # a day before reminders were turned on is not held against anyone
    first = decide(at(2026, 6, 3, 9, 0), plan, State(since=date(2026, 6, 2)), set(), BERLIN)
    assert first is not None and not first.gentle


def test_next_check_is_the_next_slot_or_the_snooze_whichever_is_first():
    plan = Plan.parse("mon wed fri", "09:00")
    state = State()
    assert next_check(at(2026, 6, 2, 12), plan, state, BERLIN) == at(2026, 6, 3, 9)
    state.snoozed_until = at(2026, 6, 2, 12, 30).astimezone(UTC)
    assert next_check(at(2026, 6, 2, 12), plan, state, BERLIN) == at(2026, 6, 2, 12, 30)
    assert next_check(at(2026, 6, 2, 12), Plan(frozenset(), ()), State(), BERLIN) is None


def test_slot_instant_uses_the_computers_zone_when_none_is_given(monkeypatch):
    if sys.platform == "win32":
        pytest.skip("time.tzset is POSIX-only")
    import time as _time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    _time.tzset()
    try:
        assert slot_instant(date(2026, 3, 30), time(9), None) == at(2026, 3, 30, 9).astimezone(UTC)
        assert slot_instant(date(2026, 3, 28), time(9), None) == at(2026, 3, 28, 9).astimezone(UTC)
    finally:
        monkeypatch.undo()
        _time.tzset()


def test_week_so_far_counts_days_with_a_session_against_the_days_set():
    wed = date(2026, 6, 3)
    week = week_so_far(wed, {0, 2, 4}, [date(2026, 6, 1), date(2026, 6, 1), date(2026, 5, 31)])
    assert (week.done_count, week.planned_so_far) == (1, 2)
    assert week.text() == "This week so far: 1 day with a session, of 2 planned (3 this week)."
    assert week_so_far(wed, (), []).text() == "This week so far: 0 days with a session."
