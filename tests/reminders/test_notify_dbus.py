"""The reminder on a real desktop stack: a ``dbus-run-session`` bus, Xvfb, the dunst
notification server, ``dbus-monitor`` watching. The app runs as real processes
(``python -m stenosis_player ...``); a test answers through dunst's own action menu, so
the ``ActionInvoked`` signal comes from the real server.

The last test is the issue's "done when": reminders installed with the app closed, the
reminder appears at its (real) time, Start begins a session, and turning reminders off
leaves nothing behind. It waits for the next minute on the real clock (at most ~80 s)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from desktop_session import DesktopSession, missing_tools, wait_until

from stenosis_player.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TITLE = "Time for your back exercises"

pytestmark = pytest.mark.skipif(
    bool(missing_tools()) and not os.environ.get("CI"),
    reason=f"needs {', '.join(missing_tools())} (scripts/setup.sh test installs them)",
)


@pytest.fixture
def desktop(tmp_path):
    session = DesktopSession(tmp_path / "desktop")
    session.apps = []  # every app process a test starts, stopped at the end whatever happens
    yield session
    for proc in session.apps:
        stop_process(proc.pid)
    for pid_file in tmp_path.rglob("reminder-daemon.pid"):
        with contextlib.suppress(ValueError, OSError):
            stop_process(int(pid_file.read_text()))
    session.stop()


@pytest.fixture
def app_root(tmp_path):
    """A data folder whose user has read the safety notice (so --start starts at once)."""
    root = tmp_path / "app"
    s = Settings(root / "config" / "settings.json")
    s.set("safety.notice_seen", True)
    s.save()
    return root


def app(desktop: DesktopSession, root: Path, *args: str, **kw) -> subprocess.Popen:
    env = dict(desktop.env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["QT_QPA_PLATFORM"] = "offscreen"  # the player opened by Start: no need to paint
    proc = subprocess.Popen(
        [sys.executable, "-m", "stenosis_player", "--data-dir", str(root), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kw,
    )
    desktop.apps.append(proc)
    return proc


def started_player_pid(root: Path) -> int:
    log = (root / "data" / "reminder.log").read_text()
    found = re.findall(r"started the player \(pid (\d+)\): .*--start", log)
    assert found, log
    return int(found[-1])


def sessions_in(root: Path) -> int:
    db = root / "data" / "progress.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    except sqlite3.Error:
        return 0


def stop_process(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}").exists() else ""
        if ") Z" in stat:
            break
        time.sleep(0.1)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def test_start_in_the_notification_opens_the_player_and_starts_a_session(desktop, app_root):
    now = app(desktop, app_root, "remind", "--now")
    wait_until(lambda: desktop.notify_calls() >= 1, 60, "no Notify call on the bus")
    monitor = desktop.monitor()
    assert f'string "{TITLE}"' in monitor
    assert re.search(r'string "Step-by-step stenosis program, about \d+ minutes\."', monitor)
    for key, label in (("start", "Start"), ("snooze", "In 30 minutes"), ("skip", "Not today")):
        assert f'string "{key}"\n      string "{label}"' in monitor
    desktop.choose("Start")
    out, err = now.communicate(timeout=60)
    assert now.returncode == 0, err
    assert "Reminder shown." in out
    monitor = desktop.monitor()
    assert "member=ActionInvoked" in monitor
    assert monitor.split("member=ActionInvoked", 1)[1].split("\n")[2].strip() == 'string "start"'
    player = started_player_pid(app_root)
    try:
        wait_until(lambda: sessions_in(app_root) >= 1, 90, "the player started no session")
    finally:
        stop_process(player)


def test_not_today_and_in_30_minutes_come_back_as_answers(desktop, app_root):
    for button, answer in (("Not today", "skip"), ("In 30 minutes", "snooze")):
        calls = desktop.notify_calls()
        show = app(desktop, app_root, "remind", "--show")
        wait_until(lambda c=calls: desktop.notify_calls() > c, 60, "no Notify call")
        desktop.choose(button)
        out, err = show.communicate(timeout=30)
        result = json.loads(out.strip().splitlines()[-1])
        assert (result["answer"], result["via"]) == (answer, "notification"), err
        assert f'string "{answer}"' in desktop.monitor().rsplit("member=ActionInvoked", 1)[1]


def test_a_dismissed_notification_is_closed_not_started(desktop, app_root):
    show = app(desktop, app_root, "remind", "--show")
    wait_until(lambda: desktop.notify_calls() >= 1, 60, "no Notify call")
    desktop.close_all()
    out, _ = show.communicate(timeout=30)
    assert json.loads(out.strip().splitlines()[-1])["answer"] == "closed"
    assert "member=NotificationClosed" in desktop.monitor()


def test_without_a_notification_server_the_library_path_says_so(tmp_path, monkeypatch):
    desktop = DesktopSession(tmp_path / "bare", notification_server=False)
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop.env["DBUS_SESSION_BUS_ADDRESS"])
        from stenosis_player.reminders.message import compose
        from stenosis_player.reminders.notify import NotificationsUnavailable, show_notification

        with pytest.raises(NotificationsUnavailable, match="no desktop notifications here"):
            show_notification(compose("Step-by-step", 25), timeout_s=5)
    finally:
        desktop.stop()


def test_installed_reminder_appears_at_its_time_and_removal_leaves_nothing(
    desktop, app_root, tmp_path
):
    xdg = tmp_path / "xdg"
    desktop.env["XDG_CONFIG_HOME"] = str(xdg)
    moment = datetime.now() + timedelta(minutes=1 if datetime.now().second < 45 else 2)
    at = moment.strftime("%H:%M")
    before = {p for p in tmp_path.rglob("*") if p.is_file() and "desktop" not in p.parts}
    install = app(desktop, app_root, "remind", "--install", "--times", at)
    out, err = install.communicate(timeout=60)
    assert install.returncode == 0, err
    assert "Reminders on (autostart)" in out  # this machine has no user systemd
    autostart = xdg / "autostart" / "io.github.stenosis_player.Reminder.desktop"
    assert autostart.is_file()
    pid_file = app_root / "data" / "reminder-daemon.pid"
    wait_until(lambda: pid_file.is_file() and pid_file.read_text().strip(), 30, "no daemon")
    pid = int(pid_file.read_text())
    assert desktop.notify_calls() == 0
    wait_until(lambda: desktop.notify_calls() >= 1, 150, "the reminder did not appear")
    assert datetime.now().strftime("%H:%M") >= at
    desktop.choose("Start")
    wait_until(
        lambda: "started the player" in (app_root / "data" / "reminder.log").read_text(),
        30,
        "Start did not open the player",
    )
    player = started_player_pid(app_root)
    try:
        wait_until(lambda: sessions_in(app_root) >= 1, 90, "the player started no session")
    finally:
        stop_process(player)
    remove = app(desktop, app_root, "remind", "--remove")
    out, err = remove.communicate(timeout=60)
    assert remove.returncode == 0, err
    assert not autostart.exists()
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or ") Z" in stat.read_text(), "the reminder process still runs"
    after = {p for p in tmp_path.rglob("*") if p.is_file() and "desktop" not in p.parts}
    # what stays is the player's (progress, speech, its lock), nothing of the reminders
    left = {str(p.relative_to(tmp_path)) for p in after - before}
    assert left, "the session left no progress"
    strays = sorted(p for p in left if "reminder" in p)
    assert not strays, "\n".join(strays)
    assert not [p for p in xdg.rglob("*") if p.is_file()]
    assert (
        json.loads((app_root / "config" / "settings.json").read_text())["reminders"]["enabled"]
        is False
    )


def test_without_a_notification_server_the_small_window_asks_instead(tmp_path, app_root):
    """A bus and an X display but no notification server: ``remind --show`` opens the
    window; Enter on it (Start is the default button) answers like the notification."""
    if shutil.which("xdotool") is None and not os.environ.get("CI"):
        pytest.skip("needs xdotool (scripts/setup.sh test installs it)")
    desktop = DesktopSession(tmp_path / "bare", notification_server=False)
    desktop.apps = []
    try:
        env = dict(desktop.env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        env.pop("QT_QPA_PLATFORM", None)  # a real X11 window on Xvfb
        show = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stenosis_player",
                "--data-dir",
                str(app_root),
                "remind",
                "--show",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        desktop.apps.append(show)
        found: list[str] = []

        def window_up() -> bool:
            out = subprocess.run(
                ["xdotool", "search", "--name", "Stenosis Player — reminder"],
                env=env,
                capture_output=True,
                text=True,
            )
            found[:] = out.stdout.split()
            return bool(found)

        try:
            wait_until(window_up, 60, "the reminder window did not appear")
        except AssertionError:
            show.kill()
            raise AssertionError(f"no reminder window: {show.communicate()}") from None
        time.sleep(0.5)  # mapped: let it take the keyboard
        subprocess.run(["xdotool", "windowfocus", "--sync", found[0]], env=env, timeout=10)
        subprocess.run(["xdotool", "key", "--window", found[0], "Return"], env=env, timeout=10)
        out, err = show.communicate(timeout=30)
        result = json.loads(out.strip().splitlines()[-1])
        assert (result["answer"], result["via"]) == ("start", "window"), err
        assert "showing a window instead" in err
        assert desktop.notify_calls() == 0
    finally:
        for proc in desktop.apps:
            stop_process(proc.pid)
        desktop.stop()


def test_stopping_the_reminder_process_takes_its_notification_away(desktop, app_root):
    """What ``remind --remove`` does to a reminder on screen: the process showing it is
    stopped, the notification is closed on the bus, and no process of it is left."""
    now = app(desktop, app_root, "remind", "--now")
    wait_until(lambda: desktop.notify_calls() >= 1, 60, "no Notify call on the bus")
    children = Path(f"/proc/{now.pid}/task/{now.pid}/children").read_text().split()
    assert len(children) == 1  # the notification runs in a child: the checker stays small
    os.kill(now.pid, signal.SIGTERM)
    now.wait(30)
    wait_until(lambda: "member=CloseNotification" in desktop.monitor(), 30, "not closed")
    wait_until(lambda: not Path(f"/proc/{children[0]}").exists() or _zombie(children[0]), 30)


def _zombie(pid: str) -> bool:
    try:
        return ") Z" in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
