"""One writer: a second copy asks the first to come forward and exits."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from stenosis_player.single_instance import SingleInstance

HELPER = Path(__file__).with_name("si_proc.py")


@pytest.fixture
def key() -> str:
    return "test-" + uuid.uuid4().hex[:12]


def _spawn(key: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), key],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_key_depends_on_the_data_folder(tmp_path):
    a = SingleInstance.key_for(tmp_path / "a")
    assert a == SingleInstance.key_for(tmp_path / "a" / ".." / "a")
    assert a != SingleInstance.key_for(tmp_path / "b")
    assert a != SingleInstance.key_for(None)


def test_second_instance_in_the_same_process_brings_the_first_forward(qtbot, key):
    first = SingleInstance(key)
    second = SingleInstance(key)
    try:
        assert first.acquire() is True
        with qtbot.waitSignal(first.activation_requested, timeout=3000):
            assert second.acquire() is False
        assert second.notified is True
        assert first.acquire() is True  # asking again changes nothing
    finally:
        first.release()
        second.release()
    third = SingleInstance(key)
    assert third.acquire() is True  # released: the next copy is the first one
    third.release()


def test_second_copy_as_a_subprocess_is_turned_away(qtbot, key):
    first = SingleInstance(key)
    assert first.acquire()
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=10_000):
            proc = _spawn(key)
            # the first copy must keep serving its event loop while the second runs
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10_000)
        out, err = proc.communicate(timeout=5)
        assert proc.returncode == 3, err
        assert out.strip() == "secondary notified=True"
    finally:
        first.release()


def test_first_copy_as_a_subprocess_is_brought_forward(key):
    proc = _spawn(key)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "primary"
        second = SingleInstance(key)
        assert second.acquire() is False
        assert second.notified is True
        out, _ = proc.communicate(timeout=10)
        assert out.strip() == "activated"
        assert proc.returncode == 0
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_crashed_first_copy_does_not_block_the_next_start(key):
    proc = _spawn(key)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "primary"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    nxt = SingleInstance(key)
    try:
        assert nxt.acquire() is True
    finally:
        nxt.release()


def test_a_second_copy_started_with_start_asks_the_first_to_start(qtbot, key):
    first = SingleInstance(key)
    second = SingleInstance(key)
    try:
        assert first.acquire() is True
        with qtbot.waitSignal(first.start_requested, timeout=3000) as started:
            assert second.acquire(start="sciatica-five") is False
        assert started.args == ["sciatica-five"]
        with qtbot.waitSignal(first.start_requested, timeout=3000) as started:
            assert SingleInstance(key).acquire(start="") is False
        assert started.args == [""]  # the default program
    finally:
        first.release()
        second.release()


def test_start_from_a_second_copy_begins_a_session_only_when_none_is_running(qtbot, catalog):
    from stenosis_player.ui.app import start_when_idle
    from stenosis_player.ui.main_window import MainWindow

    window = MainWindow(catalog)
    qtbot.addWidget(window)
    start_when_idle(window, catalog, "sciatica-five")
    running = window.session.controller
    assert running is not None and window.session.program_id == "sciatica-five"
    start_when_idle(window, catalog, "step-by-step")  # a reminder while exercising
    assert window.session.controller is running
    assert "already under way" in window.player.notices.text()
    running.stop()


def test_a_first_copy_that_listens_after_its_first_frame_still_turns_a_second_away(qtbot, key):
    """The app takes the lock before its window and opens its socket after the first frame:
    a second copy started in between is refused at once and gets through when it opens."""
    first = SingleInstance(key)
    assert first.acquire(listen=False)
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=10_000):
            proc = _spawn(key)
            qtbot.wait(300)  # the second copy found the lock taken and is retrying
            assert proc.poll() is None
            first.listen()
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10_000)
        out, err = proc.communicate(timeout=5)
        assert proc.returncode == 3, err
        assert out.strip() == "secondary notified=True"
    finally:
        first.release()


def test_the_first_copys_lock_alone_needs_no_qtnetwork(tmp_path):
    code = (
        "import sys; from PySide6.QtCore import QCoreApplication\n"
        "from stenosis_player.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        f"i = SingleInstance('k', lock_dir={str(tmp_path)!r})\n"
        "print(i.acquire(listen=False), 'PySide6.QtNetwork' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
