"""``stenosis-player listen`` as a user types it: the listen options reach the listener.

The command's own parser once took only ``--wav``, so ``listen --verbose`` and
``listen --engine`` (which the README tells users to type) ended in "unrecognized
arguments", while every test called the listen module directly. These run the real command
in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vc_data import DATA

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _entry(manifest, phrase: str) -> str:
    e = next(e for e in manifest if e["phrase"] == phrase and e["voice"] == "slt")
    return str(DATA / e["path"])


def test_listen_verbose_after_the_command_says_why_it_refused(manifest, tmp_path):
    done = _run(
        "--data-dir", str(tmp_path), "listen", "--verbose", "--wav", _entry(manifest, "player yes")
    )
    assert done.returncode == 0, done.stderr
    assert "came close to 'player yes'; refused: no question open" in done.stdout


def test_the_windows_verbose_before_the_command_counts_too(manifest, tmp_path):
    done = _run("--verbose", "listen", "--wav", _entry(manifest, "player yes"))
    assert done.returncode == 0, done.stderr
    assert "refused: no question open" in done.stdout


def test_listen_takes_its_engine_and_question_options(manifest):
    yes = _run("listen", "--question", "--wav", _entry(manifest, "player yes"))
    assert yes.returncode == 0, yes.stderr
    assert "-> YES" in yes.stdout
    wrong = _run("listen", "--engine", "neural", "--wav", _entry(manifest, "player stop"))
    assert wrong.returncode == 0, wrong.stderr
    assert "-> STOP" in wrong.stdout
    unknown = _run("listen", "--engine", "whisper", "--wav", _entry(manifest, "player stop"))
    assert unknown.returncode == 2 and "invalid choice: 'whisper'" in unknown.stderr


def test_listen_help_lists_its_options_and_a_wrong_one_is_one_clear_line():
    shown = _run("listen", "--help")
    assert shown.returncode == 0
    for option in ("--wav", "--verbose", "--engine", "--question", "--leading-word"):
        assert option in shown.stdout
    wrong = _run("listen", "--louder")
    assert wrong.returncode == 2
    assert "unrecognized arguments: --louder" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_a_window_option_after_listen_says_where_it_goes():
    done = _run("listen", "--data-dir", "/tmp/somewhere")
    assert done.returncode == 2
    assert "goes before the command: stenosis-player --data-dir /tmp/somewhere listen" in (
        done.stderr
    )
