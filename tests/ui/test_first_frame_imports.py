"""What the first frame must not pay for: the modules behind it import none of what is
deferred to after it (each was measured at 5-30 ms of start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

DEFERRED = [
    "jsonschema",  # the shipped catalogue's schema pass runs on a thread after it
    "PySide6.QtNetwork",  # the single-instance socket opens after it
    "stenosis_player.store",  # the progress store opens after it (or when a session starts)
    "sqlite3",
    "stenosis_player.voice.pulse",  # the sound output opens after it
    "stenosis_player.voice.sinks",  # with it (the silent sink: when a line is only shown)
    "PySide6.QtMultimedia",
    "ctypes",
    "subprocess",  # the speech worker starts after it
    "socket",  # only asked about a local X display
    "stenosis_player.ui.safety_notice",  # shown after it on a first run
    "stenosis_player.ui.player_view",  # built in idle slices after it
    "stenosis_player.ui.reminders_tab",
    "stenosis_player.ui.settings_dialog",
]


def test_the_first_frames_modules_leave_the_rest_for_later():
    code = (
        "import json, sys\n"
        "import stenosis_player.cli, stenosis_player.ui.app, stenosis_player.ui.main_window\n"
        # what run_app imports before the window's first frame
        "import stenosis_player.voice.service, stenosis_player.settings\n"
        "import stenosis_player.single_instance, stenosis_player.ui.display\n"
        "import PySide6.QtCore as core\n"
        f"print(json.dumps([m for m in {DEFERRED!r} if m in sys.modules]))\n"
        # touching PySide6's Qt namespace builds ~90 enum types (about 20 ms)
        "print('Qt' in vars(core))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    imported, qt_touched = out.stdout.split("\n")[:2]
    assert json.loads(imported) == []
    assert qt_touched == "False"


# The real command up to its first frame: what is loaded and opened when it is painted.
AT_FIRST_PAINT = """
import json, sys
from PySide6.QtWidgets import QApplication
from stenosis_player.ui import main_window
original = main_window.MainWindow.paintEvent
def painted(self, event):
    original(self, event)
    if not getattr(sys, "painted", False):
        sys.painted = True
        print(json.dumps({
            "imported": [m for m in DEFERRED if m in sys.modules],
            "store_open": self.store is not None,
            "output_open": getattr(self.speech, "output_open", None),
        }), flush=True)
        # the slices after the frame open both; quit once they have run
        self.when_built(lambda: (print(json.dumps({
            "store_open": self.store is not None,
            "output_open": getattr(self.speech, "output_open", None),
        }), flush=True), QApplication.instance().quit()))
main_window.MainWindow.paintEvent = painted
from stenosis_player.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_real_commands_first_frame_has_no_store_sound_output_or_deferred_module(tmp_path):
    code = f"DEFERRED = {DEFERRED!r}\n" + AT_FIRST_PAINT
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [json.loads(s) for s in out.stdout.splitlines() if s.startswith("{")]
    assert len(lines) == 2, out.stdout + out.stderr
    at_paint, after = lines
    assert at_paint == {"imported": [], "store_open": False, "output_open": False}
    assert after == {"store_open": True, "output_open": True}
    assert (tmp_path / "data" / "data" / "progress.sqlite3").is_file()
