"""The real command, twice on one data folder: the first copy takes its lock before its
window and opens its socket only after the first frame, and a second copy is still sent
away (the first is asked to come forward) without opening a window of its own."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}


def _lock_taken(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_a_second_copy_is_turned_away_and_brings_the_first_forward(tmp_path):
    data = tmp_path / "data"
    command = [sys.executable, "-m", "stenosis_player", "--data-dir", str(data)]
    first = subprocess.Popen(
        command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        give_up = time.monotonic() + 60
        while not _lock_taken(data / "data" / "stenosis-player.lock"):  # app_paths: data/
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < give_up, "the first copy never took its lock"
            time.sleep(0.05)
        # at once, maybe before the first copy's socket is open: it waits for it
        second = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running; its window was brought forward" in second.stdout
        assert first.poll() is None  # the first copy goes on
    finally:
        first.send_signal(signal.SIGTERM)  # closes as Quit does
        first.wait(timeout=30)
    assert first.returncode == 0
