"""``stenosis-player remind`` as a user runs it: clear messages, exit codes, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def remind(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "stenosis_player",
            "--data-dir",
            str(tmp_path / "d"),
            "remind",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_bad_time_is_named_and_nothing_is_installed(tmp_path):
    out = remind(tmp_path, "--install", "--times", "25:00")
    assert out.returncode == 2
    assert out.stderr.strip() == (
        'stenosis-player: reminders.times: must be times of day such as 09:30 18:00 (found "25:00")'
    )
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "xdg").exists()


def test_status_before_anything_is_installed(tmp_path):
    out = remind(tmp_path, "--status")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == [
        "Reminders in settings: off (every day at 10:00)",
        "Reminders are not installed.",
    ]
    assert out.stdout.splitlines()[-1] == "This week so far: 0 days with a session."


def test_remove_when_nothing_is_installed_says_so(tmp_path):
    out = remind(tmp_path, "--remove")
    assert out.returncode == 0
    assert out.stdout.strip() == "Reminders were not installed; nothing to remove."


def test_one_action_at_a_time(tmp_path):
    out = remind(tmp_path, "--install", "--remove")
    assert out.returncode == 2 and "not allowed with argument" in out.stderr
