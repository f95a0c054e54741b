"""--verbose: engine events, speech clips and voice commands, one line each."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys

import pytest
from fakes import FakeClock

from stenosis_player.event_log import ROOT, enable_verbose
from stenosis_player.settings import Settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

LINE = re.compile(r"^\[ *\d+\.\d{3} s\] (engine|speech|command) +\S")


@pytest.fixture
def verbose_lines():
    buffer = io.StringIO()
    handler = enable_verbose(buffer)
    yield lambda: buffer.getvalue().splitlines()
    root = logging.getLogger(ROOT)
    root.removeHandler(handler)
    root.setLevel(logging.NOTSET)


def test_a_session_is_logged_one_line_per_event(qtbot, catalog, tmp_path, verbose_lines):
    settings = Settings(tmp_path / "settings.json")
    settings.set("programs.step-by-step.order", ["lumbar-flexion-lying"])
    clock = FakeClock(50.0)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech(), clock=clock)
    qtbot.addWidget(w)
    w.show()
    w.start_session()
    for _ in range(200):  # 50 s of the session on the fake clock
        clock.advance(0.25)
        w.controller.tick()
    w.voice_command("pause")
    lines = verbose_lines()
    assert all(LINE.match(line) for line in lines), [s for s in lines if not LINE.match(s)]
    text = "\n".join(lines)
    assert "engine  stage idle -> running (started)" in text
    assert re.search(r'segment 0 started: intro "Lumbar flexion in lying\.', text)
    assert "segment 0 finished: intro" in text
    assert re.search(r"segment \d+ started: move, rep 2 of 10", text)
    assert "command heard pause" in text
    assert "-> paused" in text.split("command heard pause")[1]  # and what it did
    # only the seconds counted aloud, not every second of a countdown
    counted = [s for s in lines if " s left" in s]
    assert counted and all(re.search(r" [1-5] s left", s) for s in counted)


def test_the_command_line_takes_verbose():
    done = subprocess.run(
        [sys.executable, "-m", "stenosis_player", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--verbose" in done.stdout
