"""The resident reminder process and the scheduler's check never load Qt or the player:
the core, the runner and the ``remind`` command import none of it (only showing a reminder
does, in a child process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from stenosis_player.cli import build_parser
args = build_parser().parse_args(["remind", "--daemon"])
import stenosis_player.reminders.cli, stenosis_player.reminders.runner
import stenosis_player.reminders.install, stenosis_player.reminders.schedule
from stenosis_player.reminders.runner import read_settings
read_settings(__import__("pathlib").Path("no-such-settings.json"))  # what every check does
loaded = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6",
    "stenosis_player.ui", "stenosis_player.engine", "stenosis_player.voice.service",
    "stenosis_player.catalog", "stenosis_player.script",
    "desktop_notifier", "jsonschema", "numpy")))
print(",".join(loaded))
"""


def test_the_resident_process_imports_no_qt_and_no_player():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.strip() == "", out.stdout
