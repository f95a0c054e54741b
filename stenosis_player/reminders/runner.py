"""The check that the user's scheduler runs, and what an answer does.

``Runner.tick()`` decides (``schedule.decide``), records what it shows, asks ``show`` for
the answer, applies it and, for Start, opens the player. ``run_until_idle`` is what a
timer runs (``remind --check``): it stays while a snooze is pending, then exits.
``run_resident`` is the resident process of the XDG-autostart set-up (``remind
--daemon``): it checks at each due moment and at least every ``POLL_S`` seconds, so a
computer waking from sleep or a changed clock is noticed within that time, and it exits
when the reminders are removed.

No Qt here: ``show`` runs the notification in a child process (``remind --show``), so the
resident process stays small. Everything is injected for tests: clock, zone, sleep,
``show`` and ``launch``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from .progress import session_days
from .schedule import (
    Clock,
    Due,
    Plan,
    PlanError,
    apply_answer,
    decide,
    local_day,
    mark_shown,
    next_check,
    system_now,
)
from .state import load_state, save_state, state_file

POLL_S = 60.0
LOG_LIMIT = 200_000  # bytes; the log is cut to its last half beyond this

Show = Callable[[Due], str]
Launch = Callable[[str], None]


@dataclass(frozen=True)
class ReminderSettings:
    enabled: bool
    plan: Plan
    problem: str | None = None


def read_settings(settings_file: Path) -> ReminderSettings:
    """The reminder part of settings.json (validated by the settings declaration)."""
    from ..settings import load_settings

    settings = load_settings(settings_file).settings
    try:
        plan = Plan.parse(settings.get("reminders.days"), settings.get("reminders.times"))
    except PlanError as exc:
        return ReminderSettings(False, Plan(frozenset(), ()), str(exc))
    return ReminderSettings(bool(settings.get("reminders.enabled")), plan)


class Runner:
    def __init__(
        self,
        data_dir: Path,
        settings_file: Path,
        *,
        show: Show,
        launch: Launch,
        now: Clock = system_now,
        tz: tzinfo | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.settings_file = Path(settings_file)
        self.state_path = state_file(self.data_dir)
        self.database = self.data_dir / "progress.sqlite3"
        self.show = show
        self.launch = launch
        self.now = now
        self.tz = tz
        self.sleep = sleep
        self.log = log or (lambda _line: None)
        self.stopping = False

    def done_days(self, today: date) -> set[date]:
        days, problem = session_days(self.database, today - timedelta(days=8), self.tz)
        if problem:
            self.log(f"progress database not readable: {problem}")
        return days

    def tick(self, *, force: bool = False) -> tuple[Due | None, str | None]:
        """One check: (what was shown, the answer), or (None, None)."""
        now = self.now()
        today = local_day(now, self.tz)
        conf = read_settings(self.settings_file)
        state = load_state(self.state_path)
        if state.since is None:
            state.since = today
            save_state(self.state_path, state)
        if force:
            due: Due | None = Due("now", today, "", (), gentle=False)
        elif not conf.enabled:
            return None, None
        else:
            due = decide(now, conf.plan, state, self.done_days(today), self.tz)
        if due is None:
            return None, None
        mark_shown(state, due, now, self.tz)
        save_state(self.state_path, state)
        self.log(f"showing a reminder ({due.kind} {due.slot or due.day})")
        answer = self.show(due)
        self.log(f"answer: {answer}")
        # the answer may come long after: take the state as it is now (another check
        # may have written it meanwhile) and the time of the answer
        state = load_state(self.state_path)
        apply_answer(state, due.day, answer, self.now(), self.tz)
        save_state(self.state_path, state)
        if answer in ("start", "open"):
            self.launch(answer)
        return due, answer

    def pending_snooze(self) -> datetime | None:
        return load_state(self.state_path).snoozed_until

    def run_until_idle(self, *, force: bool = False) -> int:
        """Check; while a snooze is pending, wait for it and check again. Returns the
        number of reminders shown."""
        shown = 0
        due, _ = self.tick(force=force)
        shown += due is not None
        while not self.stopping:
            until = self.pending_snooze()
            if until is None:
                break
            wait = (until - self.now()).total_seconds()
            if wait > 0:
                self.sleep(min(wait, POLL_S))
                continue
            due, _ = self.tick()
            shown += due is not None
            if due is None and self.pending_snooze() == until:
                break  # a snooze that no longer applies (done today, a stale day)
        return shown

    def run_resident(self, still_installed: Callable[[], bool]) -> None:
        while not self.stopping and still_installed():
            if self.tz is None and hasattr(time, "tzset"):
                time.tzset()  # the computer's zone may have changed (travel): read it again
            try:
                self.tick()
            except OSError as exc:  # a full disk, a vanished folder: try again later
                self.log(f"check failed: {exc}")
            conf = read_settings(self.settings_file)
            nxt = next_check(self.now(), conf.plan, load_state(self.state_path), self.tz)
            wait = POLL_S if nxt is None else (nxt - self.now()).total_seconds()
            self.sleep(max(1.0, min(wait, POLL_S)))


# ------------------------------------------------------------------ the real parts


def file_logger(path: Path) -> Callable[[str], None]:
    def log(line: str) -> None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > LOG_LIMIT:
                tail = path.read_bytes()[-LOG_LIMIT // 2 :]
                path.write_bytes(tail)
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            with open(path, "a", encoding="utf-8") as f:
                f.write(f"{stamp} [{os.getpid()}] {line}\n")

    return log


class ChildShow:
    """Shows a reminder in a child process (``remind --show``), which prints the answer
    as one JSON line; a SIGTERM to us is passed on, so the notification goes too."""

    def __init__(self, command: Sequence[str], log: Callable[[str], None]) -> None:
        self.command = list(command)
        self.log = log
        self.child: subprocess.Popen[str] | None = None

    def __call__(self, due: Due) -> str:
        args = [*self.command, "remind", "--show", "--kind", due.kind]
        if due.gentle:
            args.append("--gentle")
        try:
            self.child = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
            )
            out, _ = self.child.communicate()
        except OSError as exc:
            self.log(f"could not show the reminder: {exc}")
            return "failed"
        finally:
            code = self.child.returncode if self.child else None
            self.child = None
        for line in reversed(out.splitlines()):
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                return str(json.loads(line)["answer"])
        self.log(f"the reminder process gave no answer (exit {code})")
        return "failed"

    def terminate(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            child.terminate()


def launcher(command: Sequence[str], log: Callable[[str], None], log_file: Path) -> Launch:
    """Start opens the player and starts at once (``--start``); open just opens it."""

    def launch(answer: str) -> None:
        args = [*command, "--start"] if answer == "start" else list(command)
        with open(log_file, "ab") as out:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        log(f"started the player (pid {proc.pid}): {' '.join(args[-2:])}")

    return launch


def install_signal_handlers(runner: Runner, show: ChildShow) -> None:
    def stop(_signum: int, _frame: object) -> None:
        runner.stopping = True
        show.terminate()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if sys.platform != "win32":
        signal.signal(signal.SIGHUP, stop)
