"""One copy per data folder, decided by an operating-system lock in that folder: a PID left
in the lock file (even one a live Python process has now) does not count, copies with
different temporary folders still find each other, and a second copy that cannot bring
the first forward says so in a window. Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stenosis_player.instance_lock import LOCK_NAME
from stenosis_player.ui.app import already_running_box, already_running_text

HELPER = Path(__file__).with_name("si_proc.py")


def spawn(key: str, data: Path, tmpdir: Path) -> subprocess.Popen[str]:
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, str(HELPER), key, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_pid_left_in_the_lock_file_never_blocks_a_start(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    live_python = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data / LOCK_NAME).write_text(f"{live_python.pid}\n")  # as a crashed copy left it
        first = spawn("k1", data, tmp_path / "tmp")
        assert first.stdout.readline().strip() == "primary"
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=10)
    finally:
        live_python.kill()
        live_python.wait()


def test_copies_with_different_temporary_folders_share_one_lock(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    first = spawn("k2", data, tmp_path / "tmp-a")
    try:
        assert first.stdout.readline().strip() == "primary"
        second = spawn("k2", data, tmp_path / "tmp-b")  # its socket is looked for elsewhere
        out, _ = second.communicate(timeout=30)
        assert second.returncode == 3
        assert out.strip() == "secondary notified=False"
        assert first.poll() is None  # the first copy's session goes on untouched
    finally:
        first.kill()
        first.wait()
    third = spawn("k2", data, tmp_path / "tmp-b")  # killed: its lock went with it
    try:
        assert third.stdout.readline().strip() == "primary"
    finally:
        third.kill()
        third.wait()


def test_the_second_copy_says_so_in_a_window(qtbot, tmp_path):
    text = already_running_text(tmp_path)
    box = already_running_box(text)
    qtbot.addWidget(box)
    box.open()
    assert box.isVisible()
    assert box.text() == text
    assert "already running for this data folder" in text and str(tmp_path) in text


def test_the_app_ends_cleanly_on_sigterm_and_takes_its_lock_file_away(tmp_path):
    """A logout sends SIGTERM: the real app closes as Quit does, instead of dying."""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(repo)}
    app = subprocess.Popen(
        [sys.executable, "-m", "stenosis_player", "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = tmp_path / "data" / LOCK_NAME
    try:
        for _ in range(600):
            if (tmp_path / "data" / "progress.sqlite3").exists() and lock.exists():
                break
            time.sleep(0.05)
        assert lock.read_text().strip() == str(app.pid)
        time.sleep(1.0)  # the window is up and its event loop running
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, err
    assert not lock.exists()
    assert "Traceback" not in err
