"""The files handed to the user's scheduler, checked by the platforms' own tools where
this machine has them (systemd-analyze, desktop-file-validate) and by parsing otherwise
(Task Scheduler XML, LaunchAgent plist)."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import time

import pytest

from stenosis_player.reminders import unit_files as uf
from stenosis_player.reminders.schedule import Plan

PLAN = Plan.parse("mon wed sun", "09:30 23:30")
# an awkward data folder: a space, a percent sign, quotes, a dollar sign
AWKWARD = '/tmp/my data/50% "back" $HOME'
COMMAND = [sys.executable, "-m", "stenosis_player", "--data-dir", AWKWARD]


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: scripts/setup.sh test installs it")
        pytest.skip(f"{tool} is not installed (scripts/setup.sh test installs it)")
    return path


def test_triggers_add_a_catch_up_an_hour_later_on_the_right_day():
    assert uf.triggers(PLAN) == [
        (frozenset({0, 1, 3}), time(0, 30)),  # 23:30 + 1 h is the next day's 00:30
        (frozenset({0, 2, 6}), time(9, 30)),
        (frozenset({0, 2, 6}), time(10, 30)),
        (frozenset({0, 2, 6}), time(23, 30)),
    ]


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    tool = need("systemd-analyze")
    service = tmp_path / f"{uf.UNIT_NAME}.service"
    timer = tmp_path / f"{uf.UNIT_NAME}.timer"
    service.write_text(uf.systemd_service(COMMAND))
    timer.write_text(uf.systemd_timer(PLAN))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    out = subprocess.run(
        [tool, "--user", "verify", str(timer), str(service)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    # verify only warns about a bad calendar line: nothing may be said at all
    assert out.stderr.strip() == "", out.stderr


def test_systemd_verify_does_catch_a_broken_timer(tmp_path):
    """The check above can fail: a calendar time systemd cannot read is reported."""
    tool = need("systemd-analyze")
    (tmp_path / "x.service").write_text(uf.systemd_service(COMMAND))
    (tmp_path / "x.timer").write_text(
        uf.systemd_timer(PLAN).replace("09:30:00", "25:30:00").replace(uf.UNIT_NAME, "x")
    )
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    out = subprocess.run(
        [tool, "--user", "verify", str(tmp_path / "x.timer")],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert "Failed to parse calendar specification" in out.stderr


def test_systemd_calendar_lines_elapse_at_the_reminder_times():
    tool = need("systemd-analyze")
    lines = [
        ln.split("=", 1)[1] for ln in uf.systemd_timer(PLAN).splitlines() if ln.startswith("OnCal")
    ]
    env = {**os.environ, "TZ": "Europe/Berlin"}
    # from Saturday 2026-06-06 12:00: Sunday 09:30 is the next main slot
    out = subprocess.run(
        [tool, "calendar", "--base-time=2026-06-06 12:00:00", "--iterations=2", lines[1]],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "Sun 2026-06-07 09:30:00 CEST" in out.stdout
    assert "Mon 2026-06-08 09:30:00 CEST" in out.stdout


def test_exec_start_quotes_the_awkward_data_folder_as_systemd_reads_it():
    line = next(ln for ln in uf.systemd_service(COMMAND).splitlines() if ln.startswith("ExecSt"))
    assert line.endswith(' "/tmp/my data/50%% \\"back\\" $$HOME" remind --check')
    # the player opened by Start must outlive the check that opened it
    assert "\nKillMode=process\n" in uf.systemd_service(COMMAND)


def test_autostart_entry_passes_desktop_file_validate(tmp_path):
    tool = need("desktop-file-validate")
    entry = tmp_path / uf.AUTOSTART_NAME
    entry.write_text(uf.autostart_entry(COMMAND))
    out = subprocess.run([tool, str(entry)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr
    broken = tmp_path / "broken.desktop"
    broken.write_text(uf.autostart_entry(COMMAND).replace("Type=Application\n", ""))
    assert subprocess.run([tool, str(broken)], capture_output=True).returncode != 0


def test_autostart_exec_line_unquotes_to_the_same_arguments():
    value = next(
        ln[5:] for ln in uf.autostart_entry(COMMAND).splitlines() if ln.startswith("Exec=")
    )
    # undo the key file's escaping, then the Exec key's quoting (Desktop Entry spec)
    value = value.replace("\\\\", "\\")
    args, cur, quoted, i = [], "", False, 0
    while i < len(value):
        c = value[i]
        if quoted and c == "\\":
            cur += value[i + 1]
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    args.append(cur)
    assert [a.replace("%%", "%") for a in args] == [*COMMAND, "remind", "--daemon"]


def test_task_scheduler_xml_is_well_formed_with_weekly_triggers():
    xml = uf.task_scheduler_xml(PLAN, ["C:\\Py\\pythonw.exe", "-m", "stenosis_player"])
    assert xml.startswith('<?xml version="1.0" encoding="UTF-16"?>')
    root = ET.fromstring(xml.encode("utf-16"))
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert root.tag == f"{{{ns['t']}}}Task" and root.get("version") == "1.2"
    triggers = root.findall("t:Triggers/t:CalendarTrigger", ns)
    assert len(triggers) == 4
    starts = [t.findtext("t:StartBoundary", namespaces=ns) for t in triggers]
    assert starts == [f"2025-01-06T{h}:00" for h in ("00:30", "09:30", "10:30", "23:30")]
    days = [
        sorted(el.tag.split("}")[1] for el in t.find("t:ScheduleByWeek/t:DaysOfWeek", ns))
        for t in triggers
    ]
    assert days[1] == ["Monday", "Sunday", "Wednesday"]
    assert days[0] == ["Monday", "Thursday", "Tuesday"]
    settings = root.find("t:Settings", ns)
    assert settings.findtext("t:StartWhenAvailable", namespaces=ns) == "true"
    assert settings.findtext("t:MultipleInstancesPolicy", namespaces=ns) == "IgnoreNew"
    exec_ = root.find("t:Actions/t:Exec", ns)
    assert exec_.findtext("t:Command", namespaces=ns) == "C:\\Py\\pythonw.exe"
    assert exec_.findtext("t:Arguments", namespaces=ns) == "-m stenosis_player remind --check"


def test_task_scheduler_arguments_keep_a_folder_with_spaces_in_one_piece():
    xml = uf.task_scheduler_xml(PLAN, ["C:\\p.exe", "--data-dir", "C:\\My Data\\x&y"])
    root = ET.fromstring(xml.encode("utf-16"))
    args = root.find(".//{*}Arguments").text
    assert args == '--data-dir "C:\\My Data\\x&y" remind --check'


def test_launch_agent_plist_runs_the_check_at_each_time():
    raw = uf.launch_agent_plist(PLAN, COMMAND, "/tmp/log")
    doc = plistlib.loads(raw)
    assert doc["Label"] == uf.LAUNCH_AGENT_LABEL
    assert doc["ProgramArguments"] == [*COMMAND, "remind", "--check"]
    intervals = {(i["Weekday"], i["Hour"], i["Minute"]) for i in doc["StartCalendarInterval"]}
    # launchd: Sunday is 0; Monday 1; Wednesday 3
    assert {(1, 9, 30), (3, 9, 30), (0, 9, 30), (0, 23, 30)} <= intervals
    assert (2, 0, 30) in intervals  # Monday 23:30's catch-up is Tuesday 00:30
    assert len(intervals) == 12
    assert doc["RunAtLoad"] is False
