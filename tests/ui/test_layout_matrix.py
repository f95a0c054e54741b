"""The layout matrix under a real X server with a window manager (Xvfb + openbox): every
state of the window at every text size the settings allow, on the laptop screens people
own, with high contrast at the largest size. One app process per screen size walks all
states (``stenosis_player.ui.layout_audit``); this test reads its findings.

Set STENOSIS_SHOTS_DIR to keep a screenshot of the whole screen per state and size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SIZES = ["1024x600", "1280x800", "1366x768", "1920x1080", "3840x2160"]
# at 1280x800 and the default text size (cap heights in pixels: the 2 m rule of issue 20)
MINIMUM_AT_1280 = {"cue": 50, "sentence": 32, "countdown": 150, "where": 40, "phase": 30}
MINIMUM_AT_1280["next"] = 30

needs_x = pytest.mark.skipif(
    not os.environ.get("CI") and not (shutil.which("Xvfb") and shutil.which("openbox")),
    reason="needs Xvfb and openbox (bash scripts/setup.sh test installs them)",
)


def run_audit(size: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "stenosis_player.ui.layout_audit"]
    if os.environ.get("STENOSIS_SHOTS_DIR"):
        cmd += ["--shots", os.environ["STENOSIS_SHOTS_DIR"]]
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "with-x-server.sh"), size, *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.xvfb
@pytest.mark.slow
@needs_x
@pytest.mark.parametrize("size", SIZES)
def test_every_state_fits_the_screen_at_every_text_size(size):
    report = run_audit(size)
    w, h = (int(v) for v in size.split("x"))
    assert report["screen"] == [w, h]
    # 6 window set-ups (5 text sizes, and high contrast at the largest) x 22 states (16 of
    # the window and its dialogs, 6 of the voice enrolment)
    assert report["states"] == 132
    assert report["problems"] == [], "\n".join(report["problems"][:40])
    if size == "1280x800":
        (measured,) = report["measured"].values()
        small = {k: v for k, v in MINIMUM_AT_1280.items() if measured[k] < v}
        assert not small, f"too small to read from 2 m: {small} (measured {measured})"
