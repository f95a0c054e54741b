"""Install, remove and report the reminder in the user's own scheduler.

* Linux with a user systemd: a timer and a service in ``~/.config/systemd/user``;
* Linux without one: an XDG autostart entry, and the small resident process it starts
  (started at once too, so reminders work before the next log-in);
* Windows: a Task Scheduler task (``schtasks /Create /XML``); macOS: a LaunchAgent.

Everything installed is listed in ``reminder-install.json`` in the data folder, and
``remove`` takes away every one of those files, stops what runs (the timer, a check in
progress, the resident process) and deletes the reminder's own state and log, so nothing
is left behind. Commands and paths come from an ``Environment`` that tests build.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import unit_files
from .schedule import Plan
from .state import state_file

MANIFEST = "reminder-install.json"
PID_FILE = "reminder-daemon.pid"
LOG_FILE = "reminder.log"
METHODS = ("systemd", "autostart", "task-scheduler", "launch-agent")

Run = Callable[[Sequence[str]], subprocess.CompletedProcess]


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(list(cmd), 127, "", str(exc))


def _spawn(cmd: Sequence[str], log: Path) -> int:
    """Start a process that outlives us (its own session), output to the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )
    return proc.pid


def player_command(data_root: Path | None) -> list[str]:
    """How the scheduler runs this app: the frozen executable, or this Python with ``-m``
    (``pythonw`` on Windows: no console window); ``--data-dir`` when one is in use."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable]
    else:
        exe = Path(sys.executable)
        if sys.platform == "win32" and (exe.parent / "pythonw.exe").exists():
            exe = exe.parent / "pythonw.exe"
        # -P: the folder the scheduler or launcher runs us from is never put on sys.path
        cmd = [str(exe), "-P", "-m", "stenosis_player"]
    if data_root is not None:
        cmd += ["--data-dir", str(data_root)]
    return cmd


def current_platform() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


@dataclass
class Environment:
    """Where files go and how commands run; ``Environment.for_data`` gives the real one."""

    data_dir: Path  # manifest, state, log, pid file
    command: list[str]  # how to run stenosis-player
    platform: str = field(default_factory=current_platform)
    config_home: Path = field(
        default_factory=lambda: Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    )
    home: Path = field(default_factory=Path.home)
    run: Run = _run
    spawn: Callable[[Sequence[str], Path], int] = _spawn
    user_systemd: Callable[[], bool] | None = None  # None: ask systemctl

    @classmethod
    def for_data(cls, data_dir: Path, data_root: Path | None) -> Environment:
        return cls(Path(data_dir), player_command(data_root))

    # ---- where things live
    @property
    def manifest(self) -> Path:
        return self.data_dir / MANIFEST

    @property
    def pid_file(self) -> Path:
        return self.data_dir / PID_FILE

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def systemd_dir(self) -> Path:
        return self.config_home / "systemd" / "user"

    @property
    def autostart_file(self) -> Path:
        return self.config_home / "autostart" / unit_files.AUTOSTART_NAME

    @property
    def launch_agent_file(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{unit_files.LAUNCH_AGENT_LABEL}.plist"

    @property
    def task_xml_file(self) -> Path:
        return self.data_dir / "reminder-task.xml"

    def has_user_systemd(self) -> bool:
        if self.user_systemd is not None:
            return self.user_systemd()
        return self.run(["systemctl", "--user", "show-environment"]).returncode == 0

    def method(self) -> str:
        if self.platform == "windows":
            return "task-scheduler"
        if self.platform == "macos":
            return "launch-agent"
        return "systemd" if self.has_user_systemd() else "autostart"


@dataclass
class Result:
    ok: bool
    message: str
    files: list[Path] = field(default_factory=list)


# ------------------------------------------------------------------ install


def install(env: Environment, plan: Plan) -> Result:
    """(Re)install for ``plan``: what an earlier install left is removed first."""
    if plan.empty:
        return Result(False, "reminders: choose at least one day and one time first")
    remove(env, keep_state=True)
    method = env.method()
    try:
        files, note = _INSTALLERS[method](env, plan)
    except OSError as exc:
        return Result(False, f"reminders: could not write {exc.filename or ''}: {exc.strerror}")
    except _CommandFailed as exc:
        remove(env, keep_state=True)
        return Result(False, f"reminders: {exc}")
    return Result(True, f"Reminders on ({method}): {plan.describe()}.{note}", files)


class _CommandFailed(RuntimeError):
    pass


def _check(env: Environment, cmd: Sequence[str]) -> None:
    done = env.run(cmd)
    if done.returncode != 0:
        why = (done.stderr or done.stdout or "").strip().splitlines()
        raise _CommandFailed(f"{' '.join(cmd)} failed: {why[-1] if why else done.returncode}")


def _write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding=encoding, newline="\n" if encoding == "utf-8" else None)
    os.replace(tmp, path)
    return path


def _save_manifest(env: Environment, method: str, files: list[Path], plan: Plan) -> None:
    doc = {
        "method": method,
        "files": [str(f) for f in files],
        "days": plan.days_text(),
        "times": plan.times_text(),
        "command": env.command,
    }
    _write(env.manifest, json.dumps(doc, indent=1) + "\n")


def _install_systemd(env: Environment, plan: Plan) -> tuple[list[Path], str]:
    name = unit_files.UNIT_NAME
    files = [
        _write(env.systemd_dir / f"{name}.service", unit_files.systemd_service(env.command)),
        _write(env.systemd_dir / f"{name}.timer", unit_files.systemd_timer(plan)),
    ]
    _save_manifest(env, "systemd", files, plan)
    _check(env, ["systemctl", "--user", "daemon-reload"])
    _check(env, ["systemctl", "--user", "enable", "--now", f"{name}.timer"])
    return files, ""


def _install_autostart(env: Environment, plan: Plan) -> tuple[list[Path], str]:
    files = [_write(env.autostart_file, unit_files.autostart_entry(env.command))]
    _save_manifest(env, "autostart", files, plan)
    env.spawn([*env.command, "remind", "--daemon"], env.log_file)
    return files, " The reminder process starts at log-in and is running now."


def _install_task(env: Environment, plan: Plan) -> tuple[list[Path], str]:
    xml = unit_files.task_scheduler_xml(plan, env.command)
    files = [_write(env.task_xml_file, xml, encoding="utf-16")]
    _save_manifest(env, "task-scheduler", files, plan)
    _check(
        env,
        ["schtasks", "/Create", "/TN", unit_files.TASK_NAME, "/XML", str(files[0]), "/F"],
    )
    return files, ""


def _install_launch_agent(env: Environment, plan: Plan) -> tuple[list[Path], str]:
    plist = unit_files.launch_agent_plist(plan, env.command, str(env.log_file))
    files = [_write(env.launch_agent_file, plist)]
    _save_manifest(env, "launch-agent", files, plan)
    _check(env, ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(files[0])])
    return files, ""


_INSTALLERS = {
    "systemd": _install_systemd,
    "autostart": _install_autostart,
    "task-scheduler": _install_task,
    "launch-agent": _install_launch_agent,
}


# ------------------------------------------------------------------ remove


def read_manifest(env: Environment) -> dict | None:
    try:
        doc = json.loads(env.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def remove(env: Environment, *, keep_state: bool = False) -> Result:
    """Stop and delete everything an install made (from the manifest, and from the
    places this version installs to, in case the manifest is gone)."""
    doc = read_manifest(env) or {}
    method = doc.get("method")
    removed: list[Path] = []
    if method == "systemd" or (env.systemd_dir / f"{unit_files.UNIT_NAME}.timer").exists():
        for cmd in (
            ["systemctl", "--user", "disable", "--now", f"{unit_files.UNIT_NAME}.timer"],
            ["systemctl", "--user", "stop", f"{unit_files.UNIT_NAME}.service"],
        ):
            env.run(cmd)
    if method == "task-scheduler":
        env.run(["schtasks", "/Delete", "/TN", unit_files.TASK_NAME, "/F"])
    if method == "launch-agent":
        env.run(["launchctl", "bootout", f"gui/{os.getuid()}/{unit_files.LAUNCH_AGENT_LABEL}"])
    stop_daemon(env)
    candidates = [Path(f) for f in doc.get("files", []) if isinstance(f, str)]
    candidates += [
        env.systemd_dir / f"{unit_files.UNIT_NAME}.service",
        env.systemd_dir / f"{unit_files.UNIT_NAME}.timer",
        env.autostart_file,
        env.task_xml_file,
    ]
    if env.platform == "macos":
        candidates.append(env.launch_agent_file)
    own = [env.manifest, env.pid_file]
    if not keep_state:
        own += [state_file(env.data_dir), env.log_file]
    for path in dict.fromkeys([*candidates, *own]):
        with suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    if method == "systemd":
        env.run(["systemctl", "--user", "daemon-reload"])
    if not method and not removed:
        return Result(True, "Reminders were not installed; nothing to remove.")
    return Result(True, "Reminders off: everything they installed is removed.", removed)


def daemon_pid(env: Environment) -> int | None:
    """The resident process's pid, if it runs and really is our reminder process."""
    try:
        pid = int(env.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_reminder_process(pid) else None


def _is_reminder_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        if sys.platform.startswith("linux"):
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return b"remind" in cmdline and b"--daemon" in cmdline


def stop_daemon(env: Environment, wait_s: float = 5.0) -> bool:
    """Stop the resident process (it takes its notification away); True if one ran."""
    pid = daemon_pid(env)
    if pid is None:
        return False
    with suppress(OSError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and _is_reminder_process(pid):
        time.sleep(0.05)
    if _is_reminder_process(pid):
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return True


# ------------------------------------------------------------------ status


def status_lines(env: Environment) -> list[str]:
    doc = read_manifest(env)
    if doc is None:
        return ["Reminders are not installed."]
    method = doc.get("method", "?")
    lines = [f"Installed with: {method}"]
    with suppress(ValueError):
        plan = Plan.parse(doc.get("days", ""), doc.get("times", ""))
        lines.append(f"When: {plan.describe()}")
    for f in doc.get("files", []):
        mark = "" if Path(f).exists() else "  (missing!)"
        lines.append(f"File: {f}{mark}")
    if method == "autostart":
        pid = daemon_pid(env)
        lines.append(
            f"Reminder process: running (pid {pid})" if pid else "Reminder process: not running"
        )
    if method == "systemd":
        done = env.run(["systemctl", "--user", "is-active", f"{unit_files.UNIT_NAME}.timer"])
        lines.append(f"Timer: {(done.stdout or done.stderr).strip() or done.returncode}")
    return lines


# ------------------------------------------------------------------ from the settings


def sync(env: Environment, enabled: bool, plan: Plan) -> Result | None:
    """Make the installation match the settings: install (or reinstall for new days and
    times, or a resident process that is gone), or remove. None: nothing to change."""
    doc = read_manifest(env)
    if not enabled:
        return remove(env) if doc is not None else None
    same = (
        doc is not None
        and doc.get("days") == plan.days_text()
        and doc.get("times") == plan.times_text()
        and doc.get("command") == env.command
    )
    if same and (doc.get("method") != "autostart" or daemon_pid(env) is not None):
        return None
    return install(env, plan)
