"""A real desktop notification stack for tests: a session bus from ``dbus-run-session``,
an X server (Xvfb), the ``dunst`` notification server on it, and ``dbus-monitor``
recording every Notifications message on the bus.

A test answers a notification the way a user of dunst does: through dunst's own action
menu (``dunstctl context``), with dunst's ``dmenu`` setting pointed at a small script that
picks the menu line the test wrote into ``pick``. dunst then emits ``ActionInvoked`` on the
bus, exactly as after a click."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from pathlib import Path

TOOLS = ("dbus-run-session", "dbus-monitor", "dbus-send", "Xvfb", "dunst", "dunstctl")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


class DesktopSession:
    def __init__(self, root: Path, *, notification_server: bool = True) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        self.monitor_file = root / "monitor.txt"
        self.pick_file = root / "pick"
        self.menu_file = root / "menu.txt"
        # no D-Bus service activation: only what this fixture starts answers on the bus
        empty = root / "no-services"
        empty.mkdir(exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "DISPLAY"))}
        base["XDG_DATA_DIRS"] = str(empty)
        base["XDG_RUNTIME_DIR"] = str(self._runtime_dir())
        self.env = base
        self._start_bus()
        self._start_x()
        if notification_server:
            self._start_dunst()
        self._start_monitor()

    # ---- set-up
    def _runtime_dir(self) -> Path:
        d = self.root / "runtime"
        d.mkdir(mode=0o700, exist_ok=True)
        return d

    def _spawn(self, args: list[str], **kw) -> subprocess.Popen:
        proc = subprocess.Popen(args, env=self.env, start_new_session=True, **kw)
        self.procs.append(proc)
        return proc

    def _start_bus(self) -> None:
        address_file = self.root / "bus-address"
        self._spawn(
            [
                "dbus-run-session",
                "--",
                "sh",
                "-c",
                f'echo "$DBUS_SESSION_BUS_ADDRESS" > "{address_file}.tmp" && '
                f'mv "{address_file}.tmp" "{address_file}" && exec sleep 3600',
            ],
            stderr=subprocess.DEVNULL,
        )
        wait_until(address_file.exists, 10, "the session bus did not start")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address_file.read_text().strip()

    def _start_x(self) -> None:
        read, write = os.pipe()
        self._spawn(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        number = b""
        deadline = time.monotonic() + 15
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
        os.close(read)
        assert number.strip(), "Xvfb did not start"
        self.env["DISPLAY"] = f":{number.decode().strip()}"

    def _start_dunst(self) -> None:
        menu = self.root / "dmenu.sh"
        menu.write_text(
            "#!/bin/sh\n"
            f'cat > "{self.menu_file}"\n'
            f'grep -m1 -F -- "$(cat "{self.pick_file}")" "{self.menu_file}"\n'
        )
        menu.chmod(0o755)
        config = self.root / "dunstrc"
        config.write_text(f"[global]\n    dmenu = {menu}\n")
        self._spawn(["dunst", "-config", str(config)], stderr=subprocess.DEVNULL)
        wait_until(
            lambda: self.name_has_owner("org.freedesktop.Notifications"),
            15,
            "dunst did not take the notification service",
        )

    def _start_monitor(self) -> None:
        out = open(self.monitor_file, "w")  # noqa: SIM115 - closed with the process
        self._spawn(
            [
                "stdbuf",
                "-oL",
                "dbus-monitor",
                "--session",
                "interface='org.freedesktop.Notifications'",
            ],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        out.close()
        wait_until(lambda: "NameAcquired" in self.monitor(), 10, "dbus-monitor did not start")

    # ---- use
    def name_has_owner(self, name: str) -> bool:
        out = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                f"string:{name}",
            ],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return "boolean true" in out.stdout

    def monitor(self) -> str:
        return self.monitor_file.read_text(errors="replace")

    def notify_calls(self) -> int:
        return self.monitor().count("member=Notify")

    def choose(self, button: str) -> None:
        """Pick the action whose menu line contains ``button`` ("Start", "Not today")."""
        self.pick_file.write_text(button)
        # the Notify call can be on the bus a moment before dunst lists the notification:
        # ask again while its menu does not offer the button (nothing was picked then)
        deadline = time.monotonic() + 20
        while True:
            with suppress(FileNotFoundError):
                self.menu_file.unlink()
            subprocess.run(["dunstctl", "context"], env=self.env, check=True, timeout=10)
            # dunst runs its menu in the background: wait for the menu script to have run
            shown = time.monotonic() + 3
            while not self.menu_file.exists() and time.monotonic() < shown:
                time.sleep(0.02)
            time.sleep(0.1)  # the script writes the menu, then picks
            menu = self.menu_file.read_text() if self.menu_file.exists() else ""
            if button in menu or time.monotonic() > deadline:
                return

    def close_all(self) -> None:
        subprocess.run(["dunstctl", "close-all"], env=self.env, check=True, timeout=10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def wait_until(predicate, timeout: float, message: str = "timed out") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    assert predicate(), message
