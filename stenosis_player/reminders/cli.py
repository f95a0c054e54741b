"""``stenosis-player remind``: install, remove, report or show a reminder.

``--install`` / ``--remove`` also turn ``reminders.enabled`` on or off in settings.json,
so the Settings tab and the command line never disagree. ``--check``, ``--daemon`` and
``--show`` are what the installed scheduler runs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from ..paths import DATA_DIR_ENV, AppPaths, app_paths
from . import install as inst
from .runner import ChildShow, Runner, file_logger, install_signal_handlers, launcher, read_settings
from .schedule import local_day, system_now, upcoming, week_so_far


def data_root(args: argparse.Namespace) -> Path | None:
    root = args.data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(root).expanduser().resolve() if root else None


def environment(paths: AppPaths, args: argparse.Namespace) -> inst.Environment:
    return inst.Environment.for_data(paths.data_dir, data_root(args))


def run_remind(args: argparse.Namespace) -> int:
    paths = app_paths(args.data_dir)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"stenosis-player: cannot create the data folders: {exc}", file=sys.stderr)
        return 1
    if args.show:
        return cmd_show(args, paths)
    env = environment(paths, args)
    if args.install:
        return cmd_install(args, paths, env)
    if args.remove:
        return cmd_remove(paths, env)
    if args.status:
        return cmd_status(paths, env)
    return cmd_run(args, paths, env)


def _set_settings(paths: AppPaths, values: dict[str, object]) -> str | None:
    """Store reminder settings; the problem in words, or None."""
    from ..settings import SettingError, load_settings

    loaded = load_settings(paths.settings_file)
    try:
        for key, value in values.items():
            loaded.settings.set(key, value)
        loaded.settings.save()
    except SettingError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot save {paths.settings_file}: {exc.strerror or exc}"
    return None


def cmd_install(args: argparse.Namespace, paths: AppPaths, env: inst.Environment) -> int:
    values: dict[str, object] = {"reminders.enabled": True}
    if args.days:
        values["reminders.days"] = args.days
    if args.times:
        values["reminders.times"] = args.times
    problem = _set_settings(paths, values)
    if problem:
        print(f"stenosis-player: {problem}", file=sys.stderr)
        return 2
    conf = read_settings(paths.settings_file)
    result = inst.install(env, conf.plan)
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    for f in result.files:
        print(f"  {f}")
    return 0 if result.ok else 1


def cmd_remove(paths: AppPaths, env: inst.Environment) -> int:
    result = inst.remove(env)
    problem = _set_settings(paths, {"reminders.enabled": False})
    print(result.message)
    for f in result.files:
        print(f"  removed {f}")
    if problem:
        print(f"stenosis-player: {problem}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_status(paths: AppPaths, env: inst.Environment) -> int:
    from .progress import session_days

    conf = read_settings(paths.settings_file)
    print(f"Reminders in settings: {'on' if conf.enabled else 'off'} ({conf.plan.describe()})")
    if conf.problem:
        print(f"  problem: {conf.problem}")
    for line in inst.status_lines(env):
        print(line)
    now = system_now()
    if conf.enabled:
        for moment in upcoming(now, conf.plan):
            print(f"Next: {moment.astimezone():%a %d %b %H:%M}")
    today = local_day(now, None)
    done, _ = session_days(paths.database_file, today - timedelta(days=7))
    planned = conf.plan.days if conf.enabled else frozenset()
    print(week_so_far(today, planned, done).text())
    return 0


def cmd_run(args: argparse.Namespace, paths: AppPaths, env: inst.Environment) -> int:
    log = file_logger(env.log_file)
    show = ChildShow(env.command, log)
    runner = Runner(
        paths.data_dir,
        paths.settings_file,
        show=show,
        launch=launcher(env.command, log, env.log_file),
        log=log,
    )
    install_signal_handlers(runner, show)
    if args.daemon:
        return run_daemon(runner, env, log)
    shown = runner.run_until_idle(force=args.now)
    if args.now:
        print("Reminder shown." if shown else "No reminder could be shown (see the log).")
    return 0


def run_daemon(runner: Runner, env: inst.Environment, log) -> int:
    """The resident process: one per data folder (a locked pid file)."""
    lock = _lock_pid_file(env.pid_file)
    if lock is None:
        print("stenosis-player: the reminder process is already running", file=sys.stderr)
        return 0
    log("reminder process started")

    def still_installed() -> bool:
        doc = inst.read_manifest(env)
        return doc is not None and doc.get("method") == "autostart"

    try:
        runner.run_resident(still_installed)
    finally:
        log("reminder process stopped")
        with suppress(OSError):
            if env.pid_file.read_text().strip() == str(os.getpid()):
                env.pid_file.unlink()
        lock.close()
    return 0


def _lock_pid_file(path: Path):  # -> file object | None
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+")  # noqa: SIM115 - held open (locked) for the process's life
    try:
        import fcntl

        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        pass
    except OSError:
        f.close()
        return None
    f.seek(0)
    f.truncate()
    f.write(f"{os.getpid()}\n")
    f.flush()
    return f


def cmd_show(args: argparse.Namespace, paths: AppPaths) -> int:
    """Show one reminder (notification, else the window); print the answer as JSON."""
    from .. import resources
    from .message import compose, describe_session
    from .notify import NotificationsUnavailable, show_notification

    program_id, name, minutes = describe_session(args.exercises, paths.settings_file)
    reminder = compose(
        name, minutes, gentle=args.gentle, snoozed=args.kind == "snooze", program_id=program_id
    )
    icon = resources.assets_dir() / "icon.svg"
    try:
        answer = show_notification(reminder, icon=str(icon) if icon.is_file() else None)
        via = "notification"
    except NotificationsUnavailable as exc:
        print(f"stenosis-player: {exc}; showing a window instead", file=sys.stderr)
        try:
            from .window import show_window

            answer = show_window(reminder, timeout_s=4 * 3600)
            via = "window"
        except Exception as exc2:  # no display either: nothing can be shown
            print(f"stenosis-player: no window either ({exc2})", file=sys.stderr)
            answer, via = "failed", "none"
    print(json.dumps({"answer": answer, "via": via, "text": reminder.text()}), flush=True)
    return 0
