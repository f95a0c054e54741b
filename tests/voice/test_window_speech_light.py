"""The window's speech is light on a shared machine: one worker process makes a cold
program's clips (two took the process tree past 100 MB), and it runs at a lower priority
than the window, so synthesis takes only the CPU the window leaves."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import SilentSink

pytestmark = pytest.mark.speech

LINES = [f"Slowly bend forward, number {n}. Hold it there and breathe." for n in range(1, 13)]


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_one_lower_priority_worker_makes_a_cold_programs_clips(qtbot, tmp_path):
    service = SpeechService(cache_dir=tmp_path / "speech", sink=SilentSink())
    most, nice = 0, {}  # pid -> its niceness over the window's, as last seen

    def sample() -> None:
        nonlocal most
        procs = [p for p in service.synth._procs if p.poll() is None]
        most = max(most, len(procs))
        for p in procs:
            with contextlib.suppress(OSError):  # it ended between the two reads
                nice[p.pid] = _nice(p.pid) - os.nice(0)

    try:
        service.prepare(LINES)
        qtbot.waitUntil(lambda: (sample(), service.is_ready())[1], timeout=60_000)
        assert all(service.clip_seconds(text) for text in LINES)
        assert most == 1  # never a second worker at the same time
        if os.name == "posix" and Path("/proc/self/stat").exists():
            # nicer than the window by WORKER_NICENESS (once it has started up)
            assert nice and min(nice.values()) >= 10
    finally:
        service.close()
