"""The files that hand the reminder times to the user's own scheduler. Pure text: the
installer writes them, the tests validate them with the platforms' own checkers.

Every reminder time gets a second trigger an hour later. The check it runs fires nothing
when the reminder was already shown (the schedule remembers its slots), but on the day the
clocks go forward it catches a time that does not exist: systemd, for one, skips a
calendar time that falls into the missing hour.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from .schedule import Plan

UNIT_NAME = "stenosis-player-reminder"
AUTOSTART_NAME = "io.github.stenosis_player.Reminder.desktop"
LAUNCH_AGENT_LABEL = "io.github.stenosis_player.reminder"
TASK_NAME = "Stenosis Player reminder"
DESCRIPTION = "Stenosis Player: reminders for your back exercises"
SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WINDOWS_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CATCH_UP = timedelta(hours=1)


def escape(text: str) -> str:
    """Text for XML element content (not xml.sax.saxutils: it pulls in urllib, http and
    ssl, some 8 MB in the resident process that imports this module)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def triggers(plan: Plan) -> list[tuple[frozenset[int], time]]:
    """(weekdays, wall time) pairs: each reminder time, and the same an hour later (on the
    next weekday when that crosses midnight). Sorted, without duplicates."""
    out: set[tuple[frozenset[int], time]] = set()
    for at in plan.times:
        out.add((plan.days, at))
        later = datetime.combine(datetime(2000, 1, 3).date(), at) + CATCH_UP
        shift = later.day - 3
        out.add((frozenset((d + shift) % 7 for d in plan.days), later.time()))
    return sorted(out, key=lambda p: (p[1], sorted(p[0])))


# ------------------------------------------------------------------ systemd


def systemd_quote(arg: str) -> str:
    """One word of an ExecStart= line: double-quoted when needed, ``%`` and ``$`` doubled
    (systemd expands specifiers and variables there)."""
    text = arg.replace("%", "%%").replace("$", "$$")
    if text and not any(c in text for c in " \t\"'\\;"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_service(command: Sequence[str]) -> str:
    """The service the timer starts: one check (``remind --check``) that shows what is due
    and stays only while a reminder is on screen or snoozed (so not a oneshot: its start
    timeout would cut a snooze short)."""
    exec_start = " ".join(systemd_quote(a) for a in [*command, "remind", "--check"])
    return (
        "[Unit]\n"
        f"Description={DESCRIPTION}\n"
        "After=graphical-session.target\n"
        "\n"
        "[Service]\n"
        "Type=exec\n"
        f"ExecStart={exec_start}\n"
        "# a reminder is not worth a slow desktop\n"
        "Nice=10\n"
        "# the player that Start opens outlives this check: stop only the check itself\n"
        "KillMode=process\n"
    )


def systemd_timer(plan: Plan) -> str:
    lines = [
        "[Unit]",
        f"Description={DESCRIPTION} (times)",
        "",
        "[Timer]",
    ]
    for days, at in triggers(plan):
        lines.append(f"OnCalendar={systemd_days(days)} *-*-* {at.strftime('%H:%M')}:00")
    lines += [
        "# a time missed while the computer was off is caught up at the next start",
        "Persistent=true",
        "AccuracySec=30s",
        f"Unit={UNIT_NAME}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ]
    return "\n".join(lines)


def systemd_days(days: frozenset[int]) -> str:
    return ",".join(SYSTEMD_DAYS[d] for d in sorted(days))


# ------------------------------------------------------------------ XDG autostart


def desktop_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key (the Desktop Entry Specification)."""
    text = arg.replace("%", "%%")
    reserved = " \t\n\"'\\><~|&;$*?#()`"
    if text and not any(c in text for c in reserved):
        return text
    inner = "".join("\\" + c if c in '"`$\\' else c for c in text)
    # the value itself is a string too: its own backslashes are escaped once more
    return '"' + inner.replace("\\", "\\\\") + '"'


def autostart_entry(command: Sequence[str]) -> str:
    """Starts the small resident reminder process (``remind --daemon``) at log-in."""
    exec_line = " ".join(desktop_quote(a) for a in [*command, "remind", "--daemon"])
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Stenosis Player reminders\n"
        "Comment=Reminds you of your back exercises on the days and at the times you set\n"
        f"Exec={exec_line}\n"
        "Icon=io.github.stenosis_player.StenosisPlayer\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


# ------------------------------------------------------------------ Windows


def task_scheduler_xml(plan: Plan, command: Sequence[str], *, start_day: str = "2025-01-06") -> str:
    """A Task Scheduler task (schema 1.2) running ``remind --check`` at each time; a time
    missed while asleep or off runs as soon as the computer is available again, once."""
    exe, args = command[0], [*command[1:], "remind", "--check"]
    triggers_xml = []
    for days, at in triggers(plan):
        day_tags = "".join(f"<{WINDOWS_DAYS[d]} />" for d in sorted(days))
        triggers_xml.append(
            "    <CalendarTrigger>\n"
            f"      <StartBoundary>{start_day}T{at.strftime('%H:%M')}:00</StartBoundary>\n"
            "      <Enabled>true</Enabled>\n"
            "      <ScheduleByWeek>\n"
            f"        <DaysOfWeek>{day_tags}</DaysOfWeek>\n"
            "        <WeeksInterval>1</WeeksInterval>\n"
            "      </ScheduleByWeek>\n"
            "    </CalendarTrigger>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\n'
        "  <RegistrationInfo>\n"
        f"    <Description>{escape(DESCRIPTION)}</Description>\n"
        f"    <URI>\\{escape(TASK_NAME)}</URI>\n"
        "  </RegistrationInfo>\n"
        "  <Triggers>\n" + "".join(triggers_xml) + "  </Triggers>\n"
        "  <Principals>\n"
        '    <Principal id="Author">\n'
        "      <LogonType>InteractiveToken</LogonType>\n"
        "      <RunLevel>LeastPrivilege</RunLevel>\n"
        "    </Principal>\n"
        "  </Principals>\n"
        "  <Settings>\n"
        "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
        "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
        "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n"
        "    <StartWhenAvailable>true</StartWhenAvailable>\n"
        "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\n"
        "    <WakeToRun>false</WakeToRun>\n"
        "    <Enabled>true</Enabled>\n"
        "    <ExecutionTimeLimit>PT12H</ExecutionTimeLimit>\n"
        "  </Settings>\n"
        '  <Actions Context="Author">\n'
        "    <Exec>\n"
        f"      <Command>{escape(exe)}</Command>\n"
        f"      <Arguments>{escape(subprocess.list2cmdline(args))}</Arguments>\n"
        "    </Exec>\n"
        "  </Actions>\n"
        "</Task>\n"
    )


# ------------------------------------------------------------------ macOS


def launch_agent_plist(plan: Plan, command: Sequence[str], log_file: str | None = None) -> bytes:
    """A LaunchAgent running ``remind --check`` at each time (launchd runs a time missed
    during sleep once on waking)."""
    import plistlib

    intervals = [
        # launchd counts weekdays from Sunday = 0; Python's from Monday = 0
        {"Weekday": (d + 1) % 7, "Hour": at.hour, "Minute": at.minute}
        for days, at in triggers(plan)
        for d in sorted(days)
    ]
    doc: dict[str, object] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": [*command, "remind", "--check"],
        "StartCalendarInterval": intervals,
        "RunAtLoad": False,
        "ProcessType": "Interactive",
    }
    if log_file:
        doc["StandardErrorPath"] = log_file
        doc["StandardOutPath"] = log_file
    return plistlib.dumps(doc)
