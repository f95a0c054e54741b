"""Is there a display to open the window on? Asked before Qt is, because Qt aborts the
whole process (exit 134, "reinstalling the application may fix this problem") when its
platform plugin finds no display. Qt-free."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path


def display_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why no window can be shown here, in one sentence; None when a display is there
    (or the platform is chosen explicitly with QT_QPA_PLATFORM, or this is not Linux)."""
    env = os.environ if env is None else env
    if env.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return None
    wayland = env.get("WAYLAND_DISPLAY")
    if wayland:
        runtime = env.get("XDG_RUNTIME_DIR", "")
        path = Path(wayland) if os.path.isabs(wayland) else Path(runtime) / wayland
        if path.exists():
            return None
    display = env.get("DISPLAY")
    if not display:
        return "there is no display to open the window on (DISPLAY is not set)"
    if not _x_server_answers(display):
        return f"the display {display} does not answer (is the desktop session running?)"
    return None


def _x_server_answers(display: str) -> bool:
    """For a local display (":0", "unix:0"), can its socket be connected to? Other forms
    (a host name, SSH forwarding) are left to Qt."""
    import socket  # only for a local X display (~3 ms of every start otherwise)

    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if host not in ("", "unix") or not number.isdigit():
        return True
    path = f"/tmp/.X11-unix/X{number}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect(path)
        except OSError:
            # Linux also has an abstract socket of the same name
            try:
                s.connect("\0" + path)
            except OSError:
                return False
    return True
