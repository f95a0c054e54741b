"""The speech worker never runs code from the folder the app was started in, and never
outlives the app: closing ends a worker that is still starting, and a hung worker ends by
itself when the app is killed. Real worker processes, real eSpeak NG."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stenosis_player.voice.synth import SynthesisError, Synthesizer

REPO = Path(__file__).resolve().parents[2]

HOSTILE = """\
from pathlib import Path
Path(__file__).with_name("HOSTILE-CODE-RAN").write_text("imported from the working folder")
raise SystemExit("hostile module imported")
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_hostile_pyttsx3_in_the_working_folder_is_never_imported(
    make_synth, tmp_path, monkeypatch
):
    folder = tmp_path / "Downloads"
    folder.mkdir()
    for name in ("pyttsx3.py", "json.py", "wave.py"):  # a third-party and two stdlib names
        (folder / name).write_text(HOSTILE, encoding="utf-8")
    before = snapshot(folder)
    monkeypatch.chdir(folder)  # the app was launched from this folder
    synth = make_synth()
    clip = synth.synthesize("Slowly bend forward.")
    assert clip.stat().st_size > 1000  # the real engine made the clip
    assert synth.engine_name == "espeak"
    assert not (folder / "HOSTILE-CODE-RAN").exists()
    assert snapshot(folder) == before  # not even a __pycache__ written there


def test_the_app_started_from_a_hostile_folder_does_not_run_its_files(tmp_path):
    """``python -m stenosis_player`` from a folder holding argparse.py (which the cli
    imports first) and pyttsx3.py: the app's own modules are used."""
    folder = tmp_path / "Desktop"
    folder.mkdir()
    for name in ("argparse.py", "pyttsx3.py"):
        (folder / name).write_text(HOSTILE, encoding="utf-8")
    before = snapshot(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "stenosis_player", "voices"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "hostile" not in done.stderr
    assert "espeak" in done.stdout.lower()
    assert snapshot(folder) == before


def test_closing_ends_a_worker_that_is_still_starting(tmp_path):
    never_ready = [sys.executable, "-c", "import time; time.sleep(600)"]
    synth = Synthesizer(tmp_path / "speech", worker_argv=never_ready, start_timeout=300)
    failed: list[BaseException] = []

    def ask() -> None:
        try:
            synth.synthesize("Hello.")
        except SynthesisError as exc:
            failed.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    deadline = time.monotonic() + 30
    while not synth._procs and time.monotonic() < deadline:
        time.sleep(0.05)
    (proc,) = synth._procs
    assert proc.poll() is None  # started, waiting for its hello
    synth.close()  # the app quits now
    assert proc.wait(timeout=10) is not None
    asker.join(timeout=10)
    assert not asker.is_alive()
    assert "exited at start" in str(failed[0])


HUNG_WORKER = """\
import json, sys, time
sys.path.insert(0, {repo!r})
from stenosis_player.voice import worker
worker.end_with_parent()
print(json.dumps({{"ready": True, "engine": "hung"}}), flush=True)
sys.stdin.readline()
time.sleep(600)  # hangs inside the engine: never reads its input again
"""

APP = """\
import sys, threading, time
sys.path.insert(0, {repo!r})
from stenosis_player.voice.synth import Synthesizer
synth = Synthesizer({cache!r}, worker_argv=[sys.executable, {worker!r}], hang_timeout=600)
threading.Thread(target=synth.synthesize, args=("Hello.",), daemon=True).start()
while not synth._procs:
    time.sleep(0.05)
print(next(iter(synth._procs)).pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the worker")
def test_a_hung_worker_ends_when_the_app_is_killed(tmp_path):
    worker = tmp_path / "hung_worker.py"
    worker.write_text(HUNG_WORKER.format(repo=str(REPO)), encoding="utf-8")
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            APP.format(repo=str(REPO), cache=str(tmp_path / "speech"), worker=str(worker)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    worker_pid = 0
    try:
        worker_pid = int(app.stdout.readline())
        time.sleep(0.5)  # the request is sent and the worker hangs
        os.kill(app.pid, signal.SIGKILL)  # the app dies without closing anything
        app.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker_pid), "the orphaned speech worker is still running"
    finally:
        if app.poll() is None:
            app.kill()
        if _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for its reaper is gone
            return f.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        return True
