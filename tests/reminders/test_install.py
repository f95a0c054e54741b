"""Installing and removing: every file written is listed and removed again, and nothing
is left running. The XDG-autostart path runs for real (a resident reminder process is
started and stopped); systemctl, schtasks and launchctl cannot run on this machine for a
user session, so their command lines are recorded and checked instead."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stenosis_player.reminders import install as inst
from stenosis_player.reminders.schedule import Plan
from stenosis_player.settings import Settings

PLAN = Plan.parse("mon wed fri", "09:30")
REPO = Path(__file__).resolve().parents[2]
# the resident process is a real `python -m stenosis_player`: it must find this checkout
REPO_ON_PATH = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)


class Commands:
    """Records the scheduler commands and answers them as successful."""

    def __init__(self, fail: str = "") -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, cmd):
        self.calls.append(list(cmd))
        code = 1 if self.fail and self.fail in " ".join(cmd) else 0
        return subprocess.CompletedProcess(list(cmd), code, "", "Access denied" if code else "")


def every_file(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def env_for(tmp_path: Path, **kw) -> inst.Environment:
    data = tmp_path / "root" / "data"
    data.mkdir(parents=True)
    return inst.Environment(
        data_dir=data,
        command=[sys.executable, "-m", "stenosis_player", "--data-dir", str(data.parent)],
        config_home=tmp_path / "xdg",
        home=tmp_path / "home",
        **kw,
    )


def test_systemd_install_writes_and_enables_the_timer_and_remove_takes_it_all_away(tmp_path):
    commands = Commands()
    env = env_for(tmp_path, platform="linux", run=commands, user_systemd=lambda: True)
    before = every_file(tmp_path)
    result = inst.install(env, PLAN)
    assert result.ok, result.message
    unit = env.systemd_dir / "stenosis-player-reminder"
    assert {Path(f"{unit}.service"), Path(f"{unit}.timer")} == set(result.files)
    assert ["systemctl", "--user", "enable", "--now", "stenosis-player-reminder.timer"] in (
        commands.calls
    )
    assert inst.status_lines(env)[0] == "Installed with: systemd"
    commands.calls.clear()
    removed = inst.remove(env)
    assert removed.ok
    assert commands.calls[0] == [
        "systemctl",
        "--user",
        "disable",
        "--now",
        "stenosis-player-reminder.timer",
    ]
    assert ["systemctl", "--user", "stop", "stenosis-player-reminder.service"] in commands.calls
    assert every_file(tmp_path) == before


def test_a_failing_systemctl_is_reported_and_leaves_no_files(tmp_path):
    env = env_for(
        tmp_path, platform="linux", run=Commands(fail="enable"), user_systemd=lambda: True
    )
    before = every_file(tmp_path)
    result = inst.install(env, PLAN)
    assert not result.ok
    assert "systemctl --user enable --now stenosis-player-reminder.timer failed: Access denied" in (
        result.message
    )
    assert every_file(tmp_path) == before


def test_windows_task_and_macos_agent_install_and_remove(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 501, raising=False)
    for platform, want in (("windows", "schtasks"), ("macos", "launchctl")):
        commands = Commands()
        env = env_for(tmp_path / platform, platform=platform, run=commands)
        before = every_file(tmp_path / platform)
        result = inst.install(env, PLAN)
        assert result.ok, result.message
        assert commands.calls[-1][0] == want
        (written,) = result.files
        assert str(written) in commands.calls[-1]
        if platform == "windows":
            assert written.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16, as declared
            assert "/Create" in commands.calls[-1]
        else:
            assert written == env.launch_agent_file
            assert commands.calls[-1][:3] == ["launchctl", "bootstrap", "gui/501"]
        inst.remove(env)
        assert commands.calls[-1][0] == want or want in " ".join(map(" ".join, commands.calls))
        assert every_file(tmp_path / platform) == before


def test_empty_plan_is_refused_with_a_reason(tmp_path):
    env = env_for(tmp_path, platform="linux", run=Commands(), user_systemd=lambda: False)
    result = inst.install(env, Plan(frozenset(), ()))
    assert not result.ok and "at least one day and one time" in result.message


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_autostart_install_starts_a_resident_process_and_remove_stops_it(tmp_path, monkeypatch):
    env = env_for(tmp_path, platform="linux", user_systemd=lambda: False)
    Settings(env.data_dir.parent / "config" / "settings.json").save()  # reminders off
    before = every_file(tmp_path)
    monkeypatch.setenv("PYTHONPATH", REPO_ON_PATH)
    result = inst.install(env, PLAN)
    assert result.ok, result.message
    assert result.files == [env.autostart_file]
    assert wait_for(lambda: inst.daemon_pid(env) is not None), env.log_file.read_text()
    pid = inst.daemon_pid(env)
    assert "Reminder process: running" in "\n".join(inst.status_lines(env))
    # the same settings again: nothing to change; turned off: all removed
    assert inst.sync(env, True, PLAN) is None
    removed = inst.sync(env, False, PLAN)
    assert removed is not None and removed.ok
    assert wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 10)
    assert every_file(tmp_path) == before
    assert inst.status_lines(env) == ["Reminders are not installed."]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except OSError:
        return True


@pytest.mark.parametrize("second", ["install", "daemon"])
def test_only_one_resident_process_per_data_folder(tmp_path, second, monkeypatch):
    env = env_for(tmp_path, platform="linux", user_systemd=lambda: False)
    monkeypatch.setenv("PYTHONPATH", REPO_ON_PATH)
    try:
        assert inst.install(env, PLAN).ok
        assert wait_for(lambda: inst.daemon_pid(env) is not None)
        first = inst.daemon_pid(env)
        if second == "install":  # reinstalling replaces the process
            assert inst.install(env, Plan.parse("tue", "10:00")).ok
            assert wait_for(lambda: inst.daemon_pid(env) not in (None, first))
            assert _zombie(first) or not Path(f"/proc/{first}").exists()
        else:  # a second one started by hand goes away at once
            out = subprocess.run(
                [*env.command, "remind", "--daemon"], capture_output=True, text=True, timeout=30
            )
            assert "already running" in out.stderr
            assert inst.daemon_pid(env) == first
    finally:
        inst.remove(env)
