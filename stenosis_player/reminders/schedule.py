"""When a reminder is due. Qt-free; the clock and the time zone are injected.

A *slot* is one reminder time on one day ("2026-03-29 09:00"). Slots are named by their
local date and wall time, never by an instant, and a slot fires at most once: that is what
keeps daylight-saving changes and clock changes from firing twice (the repeated hour in
autumn, a clock set back). A wall time that does not exist on a day (the skipped hour in
spring) resolves to the moment just after the gap, so the day is not skipped.

The rules:

* nothing on a day with a session done, or on a day the user said "Not today";
* a computer asleep (or off) at slot time gets one reminder on waking, for the latest
  slot missed that day, not one per missed slot; a slot missed late in the evening still
  counts for ``CATCH_UP_NEXT_DAY`` after it, then it is let go;
* "In 30 minutes" holds every slot back until the snooze fires;
* the first reminder after a scheduled day with no session is worded gently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Clock = Callable[[], datetime]  # an aware datetime (any zone): "now"

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
DAY_TITLES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SNOOZE = timedelta(minutes=30)
CATCH_UP_NEXT_DAY = timedelta(hours=2)  # a slot at 23:30 still fires after waking at 00:40
SNOOZE_STALE = timedelta(hours=1)  # a snooze woken up to on another day, this late, is dropped
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def system_now() -> datetime:
    return datetime.now(UTC)


class PlanError(ValueError):
    """Days or times that cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class Plan:
    """The days of the week (0 = Monday) and the wall times of the reminders."""

    days: frozenset[int]
    times: tuple[time, ...]  # sorted, no duplicates

    @classmethod
    def parse(cls, days: str, times: str) -> Plan:
        """From the settings' text: ``"mon wed fri"`` and ``"09:30 18:00"`` (commas or
        spaces between items)."""
        day_set = set()
        for word in _items(days):
            if word.lower() not in DAY_NAMES:
                raise PlanError(f"days: {word!r} is not a day (use {', '.join(DAY_NAMES)})")
            day_set.add(DAY_NAMES.index(word.lower()))
        found = []
        for word in _items(times):
            m = _TIME.match(word)
            if not m:
                raise PlanError(f"times: {word!r} is not a time of day such as 09:30")
            found.append(time(int(m.group(1)), int(m.group(2))))
        return cls(frozenset(day_set), tuple(sorted(set(found))))

    @property
    def empty(self) -> bool:
        return not self.days or not self.times

    def days_text(self) -> str:
        return " ".join(DAY_NAMES[d] for d in sorted(self.days))

    def times_text(self) -> str:
        return " ".join(t.strftime("%H:%M") for t in self.times)

    def describe(self) -> str:
        """In words: "Mon, Wed, Fri at 09:30 and 18:00"."""
        if self.empty:
            return "no days or times set"
        days = (
            "every day"
            if len(self.days) == 7
            else ", ".join(DAY_TITLES[d] for d in sorted(self.days))
        )
        times = [t.strftime("%H:%M") for t in self.times]
        when = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
        return f"{days} at {when}"


def _items(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", text or "") if w]


@dataclass
class State:
    """What the schedule remembers between checks (stored by ``state.py``)."""

    fired: set[str] = field(default_factory=set)  # slot ids: "2026-03-29T09:00"
    snoozed_until: datetime | None = None  # an instant (UTC)
    snooze_day: date | None = None  # the local day the snoozed reminder was for
    not_today: date | None = None
    since: date | None = None  # the first day reminders were on (for the gentle message)

    def forget_old(self, today: date, keep_days: int = 14) -> None:
        """Drop fired ids far from today (either way: a clock once set far ahead leaves
        ids in the future, which must not pile up either)."""
        lo, hi = today - timedelta(days=keep_days), today + timedelta(days=keep_days)
        self.fired = {s for s in self.fired if lo <= date.fromisoformat(s[:10]) <= hi}


@dataclass(frozen=True)
class Due:
    """A reminder to show now."""

    kind: str  # "slot" or "snooze"
    day: date  # the local day it is for
    slot: str  # the slot id shown ("" for a snooze)
    covers: tuple[str, ...]  # every slot id this reminder stands for (mark them fired)
    gentle: bool  # the day before it (a scheduled one) had no session


def slot_id(day: date, at: time) -> str:
    return f"{day.isoformat()}T{at.strftime('%H:%M')}"


def slot_instant(day: date, at: time, tz: tzinfo | None) -> datetime:
    """The instant (UTC) of a wall time on a day in ``tz`` (None: this computer's zone).

    fold=0 takes the first of a repeated time; a time in a spring-forward gap gets the
    offset from before the gap, which lands just after it (02:30 → 03:30)."""
    naive = datetime.combine(day, at)
    local = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return local.astimezone(UTC)


def local_day(moment: datetime, tz: tzinfo | None) -> date:
    return moment.astimezone(tz).date()


def decide(
    now: datetime,
    plan: Plan,
    state: State,
    done_days: Collection[date],
    tz: tzinfo | None = None,
) -> Due | None:
    """The reminder due at ``now``, or None. Pure: the caller marks ``Due.covers`` fired."""
    today = local_day(now, tz)
    if state.snoozed_until is not None:
        snooze_day = state.snooze_day or today
        if now < state.snoozed_until:
            return None  # every slot waits for the snooze
        late = now - state.snoozed_until
        if (snooze_day == today or late <= SNOOZE_STALE) and _open(snooze_day, state, done_days):
            covers = tuple(
                s
                for s, _ in _past_slots(now, plan, state, tz, window_days=1)
                if s[:10] <= str(today)
            )
            return Due("snooze", snooze_day, "", covers, gentle=False)
        # a stale snooze is dropped; the slots below decide
    past = [
        (sid, day)
        for sid, day in _past_slots(now, plan, state, tz, window_days=1)
        if day == today or now - slot_instant(day, _time_of(sid), tz) <= CATCH_UP_NEXT_DAY
    ]
    if not past:
        return None
    sid, day = past[-1]
    if not _open(day, state, done_days):
        return None
    covers = tuple(s for s, d in past if d == day)
    return Due("slot", day, sid, covers, gentle=missed_day_before(day, plan, state, done_days))


def _open(day: date, state: State, done_days: Collection[date]) -> bool:
    return day not in done_days and state.not_today != day


def _time_of(sid: str) -> time:
    return time.fromisoformat(sid[11:])


def _past_slots(
    now: datetime, plan: Plan, state: State, tz: tzinfo | None, window_days: int
) -> list[tuple[str, date]]:
    """Unfired slots from ``window_days`` before today up to now, oldest first."""
    today = local_day(now, tz)
    out = []
    for back in range(window_days, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() not in plan.days:
            continue
        for at in plan.times:
            sid = slot_id(day, at)
            if sid not in state.fired and slot_instant(day, at, tz) <= now:
                out.append((sid, day))
    return out


def missed_day_before(day: date, plan: Plan, state: State, done_days: Collection[date]) -> bool:
    """Whether the last scheduled day before ``day`` (within a week, and not before
    reminders were turned on) passed without a session."""
    for back in range(1, 8):
        prev = day - timedelta(days=back)
        if state.since is not None and prev < state.since:
            return False
        if prev.weekday() in plan.days:
            return prev not in done_days
    return False


def next_check(
    now: datetime, plan: Plan, state: State, tz: tzinfo | None = None
) -> datetime | None:
    """The next instant something may become due (a snooze or the next slot), or None."""
    candidates: list[datetime] = []
    if state.snoozed_until is not None and state.snoozed_until > now:
        candidates.append(state.snoozed_until)
    today = local_day(now, tz)
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        if day.weekday() not in plan.days:
            continue
        later = [
            slot_instant(day, at, tz)
            for at in plan.times
            if slot_id(day, at) not in state.fired and slot_instant(day, at, tz) > now
        ]
        if later:
            candidates.append(min(later))
            break
    return min(candidates) if candidates else None


def upcoming(now: datetime, plan: Plan, tz: tzinfo | None = None, count: int = 3) -> list[datetime]:
    """The next ``count`` slot instants after ``now`` (for ``remind --status``)."""
    out: list[datetime] = []
    today = local_day(now, tz)
    for ahead in range(15):
        day = today + timedelta(days=ahead)
        if day.weekday() in plan.days:
            out += [i for at in plan.times if (i := slot_instant(day, at, tz)) > now]
        if len(out) >= count:
            break
    return out[:count]


# ------------------------------------------------------------------ what an answer does


def apply_answer(
    state: State, due_day: date, answer: str, now: datetime, tz: tzinfo | None
) -> None:
    """Change the state for the user's answer: "snooze" (In 30 minutes), "skip" (Not
    today); anything else (start, open, closed) changes nothing here."""
    if answer == "snooze":
        state.snoozed_until = now.astimezone(UTC) + SNOOZE
        state.snooze_day = due_day
    elif answer == "skip":
        state.not_today = due_day
        state.snoozed_until = state.snooze_day = None


def mark_shown(state: State, due: Due, now: datetime, tz: tzinfo | None) -> None:
    """Record that ``due`` was shown: its slots never fire again, a fired snooze is gone."""
    state.fired.update(due.covers)
    if due.slot:
        state.fired.add(due.slot)
    if due.kind == "snooze":
        state.snoozed_until = state.snooze_day = None
    state.forget_old(local_day(now, tz))


# ------------------------------------------------------------------ the week so far


@dataclass(frozen=True)
class WeekSoFar:
    """This week (Monday to Sunday): the days set and the days with a session."""

    monday: date
    today: date
    planned: frozenset[int]  # weekdays set (empty when reminders are off)
    done: frozenset[int]  # weekdays with a session so far

    @property
    def done_count(self) -> int:
        return len(self.done)

    @property
    def planned_so_far(self) -> int:
        return sum(1 for d in self.planned if d <= self.today.weekday())

    def text(self) -> str:
        n = self.done_count
        sessions = f"{n} day{'s' if n != 1 else ''} with a session"
        if not self.planned:
            return f"This week so far: {sessions}."
        return (
            f"This week so far: {sessions}, of {self.planned_so_far} "
            f"planned ({len(self.planned)} this week)."
        )


def week_so_far(today: date, planned: Iterable[int], done_days: Iterable[date]) -> WeekSoFar:
    monday = today - timedelta(days=today.weekday())
    done = frozenset(d.weekday() for d in done_days if monday <= d <= today)
    return WeekSoFar(monday, today, frozenset(planned), done)
