"""The dialogs grow with the text size on a laptop's screen and never leave it.

Qt's offscreen screen is 800x800 in the test process, where every dialog is already as large
as the screen allows, so the growth can't be seen there: a real subprocess gets a 1366x768
offscreen screen (Qt's offscreen ``configfile``) and prints each dialog's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, tempfile
from pathlib import Path
from PySide6.QtWidgets import QApplication
from stenosis_player.catalog import load_catalog
from stenosis_player.settings import Settings
from stenosis_player.ui.enrolment_dialog import EnrolmentDialog
from stenosis_player.ui.safety_notice import SafetyNotice
from stenosis_player.ui.settings_dialog import SettingsDialog

app = QApplication([])
catalog = load_catalog(Path(sys.argv[1]))
folder = Path(tempfile.mkdtemp())
avail = app.primaryScreen().availableGeometry()
out = {"screen": [avail.width(), avail.height()]}
for scale in (1.0, 2.0):
    settings = Settings(folder / f"settings-{scale}.json")
    settings.set("display.text_scale", scale)
    dialogs = {
        "safety notice": SafetyNotice(catalog, None, scale),
        "settings": SettingsDialog(settings, catalog, None, None, data_dir=folder),
        "enrolment": EnrolmentDialog("player", folder, get_ready_s=0, scale=scale),
    }
    out[str(scale)] = {name: [d.width(), d.height()] for name, d in dialogs.items()}
print(json.dumps(out))
"""


def test_each_dialog_grows_with_the_text_and_stays_on_a_1366x768_screen(tmp_path):
    screen = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768}
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / "exercises.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    sizes = json.loads(done.stdout.strip().splitlines()[-1])
    width, height = sizes["screen"]
    assert (width, height) == (1366, 768)
    for name, (w1, h1) in sizes["1.0"].items():
        w2, h2 = sizes["2.0"][name]
        assert w2 <= width and h2 <= height, f"{name} at x2 is larger than the screen"
        assert w2 * h2 > w1 * h1, f"{name} does not grow with the text ({w1}x{h1} at both)"
