"""Speech worker processes end once the session's lines are made, and start again when a
new line is needed (a lighter process tree during the session)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import SilentSink

pytestmark = pytest.mark.speech


def _alive(pid: int) -> bool:
    """Still running (not gone, not a zombie waiting to be reaped)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _worker_pids(service: SpeechService) -> list[int]:
    return [s.worker.proc.pid for s in service.synth._all_slots if s.worker is not None]


def test_workers_exit_after_the_script_is_made_and_return_for_a_new_line(qtbot, make_synth):
    service = SpeechService(make_synth(workers=2), sink=SilentSink())
    service.release_workers_after_ms = 200
    try:
        with qtbot.waitSignal(service.ready_changed, timeout=30_000):
            service.prepare(["Bend forward.", "Hold.", "And up. One."])
        pids = [proc.pid for proc in service.synth._procs]  # every worker it started
        assert pids, "no worker made the clips"
        qtbot.waitUntil(lambda: not any(_alive(p) for p in pids), timeout=5000)
        qtbot.waitUntil(lambda: _worker_pids(service) == [], timeout=5000)
        # a line that was not prepared still gets its clip (a worker starts again)
        with qtbot.waitSignal(service.clip_started, timeout=30_000):
            service.say("Stopped. Skip this exercise, or end the session?", "hurt")
        assert service.clip_seconds("Stopped. Skip this exercise, or end the session?")
        qtbot.waitUntil(lambda: _worker_pids(service) == [], timeout=5000)
    finally:
        service.close()


def test_verbose_logs_clips_started_finished_and_stopped(qtbot, make_synth, fake_sink):
    import io
    import logging

    from stenosis_player.event_log import ROOT, enable_verbose

    buffer = io.StringIO()
    handler = enable_verbose(buffer)
    service = SpeechService(make_synth(), sink=fake_sink)
    try:
        with qtbot.waitSignal(service.ready_changed, timeout=30_000):
            service.prepare(["Hold.", "And up."])
        service.say("Hold.", "seg-4")
        fake_sink.finish()
        service.say("And up.", "seg-5")
        service.stop()
    finally:
        service.close()
        logging.getLogger(ROOT).removeHandler(handler)
        logging.getLogger(ROOT).setLevel(logging.NOTSET)
    lines = [line.split("] ", 1)[1] for line in buffer.getvalue().splitlines()]
    seconds = service.clip_seconds("Hold.")
    assert lines == [
        f'speech  clip seg-4 started ({seconds:.1f} s) "Hold."',
        'speech  clip seg-4 finished "Hold."',
        f'speech  clip seg-5 started ({service.clip_seconds("And up."):.1f} s) "And up."',
        'speech  clip seg-5 stopped "And up."',
    ]
