"""Screenshots of the start, hold, question, hurt and end screens in a real X11 window
(Xvfb) at 1280x800 and 1920x1080, saved for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_screens_render_in_a_real_x11_window(tmp_path):
    out = Path(os.environ.get("STENOSIS_SHOTS_DIR", tmp_path / "shots"))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1920x1080x24",
            sys.executable,
            "-m",
            "stenosis_player.ui.screenshots",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for screen in ("start", "hold", "question", "hurt", "end"):
        for w, h in ((1280, 800), (1920, 1080)):
            image = QImage(str(out / f"{screen}-{w}x{h}.png"))
            assert (image.width(), image.height()) == (w, h), screen
            # not a blank frame: text and controls cover a fair part of it
            background = image.pixel(w // 2, h - 60)
            samples = [image.pixel(x, y) for x in range(0, w, 7) for y in range(0, h, 7)]
            drawn = sum(p != background for p in samples) / len(samples)
            assert drawn > 0.03, (screen, drawn)
