"""THE CRASH TEST: a real process playing a session fast is killed with SIGKILL; the
database keeps every segment finished before the kill, and the next start resumes there.

Until the player window exists this drives ``run_session_proc.py`` (a real Engine and
SessionRecorder on the real clock); a GUI-level version (``python -m stenosis_player
--data-dir DIR --start --speed 50``) is still to be added.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from stenosis_player.paths import app_paths
from stenosis_player.recorder import resume_label
from stenosis_player.store import Store

HELPER = Path(__file__).with_name("run_session_proc.py")


def _spawn(data_dir: Path, *extra: str, speed: int = 100) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(data_dir), "--speed", str(speed), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_session_keeps_finished_segments_and_resumes_there(tmp_path, step_script):
    data_dir = tmp_path / "portable"
    # the helper holds still after 25 segments: on a busy machine it would otherwise run on
    # between the line we read and the kill, and "at most one more" could not be checked
    proc = _spawn(data_dir, "--wait-after", "25")
    printed: list[int] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("finished "):
                printed.append(int(line.split()[1]))
            if len(printed) == 25:
                proc.send_signal(signal.SIGKILL)  # no cleanup, no atexit, nothing
                break
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert printed == list(range(25))

    with Store.open(app_paths(data_dir).database_file) as store:
        info = store.unfinished_session()
        assert info is not None, "the next start must offer to resume"
        done = store.done_indices(info.session_id)
        # every segment reported finished is there, once, and nothing more
        assert done == printed
        assert info.resume_index == len(done)
        assert info.label == resume_label(step_script, info.resume_index)
        assert store.session_outcome(info.session_id) == "in-progress"

    # the next start continues where it stopped and finishes the session
    proc = _spawn(data_dir, "--resume", speed=1000)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == f"resume {info.resume_index} {info.label}"
    later = [int(x.split()[1]) for x in lines if x.startswith("finished ")]
    assert later == list(range(info.resume_index, len(step_script)))
    assert lines[-1] == "outcome completed"
    with Store.open(app_paths(data_dir).database_file) as store:
        assert store.done_indices(info.session_id) == list(range(len(step_script)))
        assert store.unfinished_session() is None
        n = store.connection.execute("SELECT count(*) FROM sessions").fetchone()[0]
        assert n == 1
