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
    "stenosis_player.ui.safety_notice",  # shown after it on a first run
    "stenosis_player.ui.player_view",  # built in idle slices after it
    "stenosis_player.ui.reminders_tab",
    "stenosis_player.ui.settings_dialog",
]


def test_the_first_frames_modules_leave_the_rest_for_later():
    code = (
        "import json, sys\n"
        "import stenosis_player.cli, stenosis_player.ui.app, stenosis_player.ui.main_window\n"
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
