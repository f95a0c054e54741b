"""Without a display the app says so in one line and exits 1, instead of Qt aborting the
process (exit 134, "reinstalling the application may fix this problem"). Real
subprocesses, with the environment a user would have over SSH or in a text console."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def run(args: list[str], **env_changes: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.pop("WAYLAND_DISPLAY", None)
    env["PYTHONPATH"] = str(REPO)
    for key, value in env_changes.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )


def test_no_display_gives_one_clear_line_and_a_nonzero_exit(tmp_path):
    result = run(["--data-dir", str(tmp_path)])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stenosis-player: cannot open the window")
    assert "DISPLAY is not set" in lines[0]
    assert "reinstall" not in result.stderr.lower()
    assert not (tmp_path / "data").exists()  # nothing was started


def test_a_display_that_does_not_answer_is_named(tmp_path):
    free = next(n for n in range(300, 400) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    result = run(["--data-dir", str(tmp_path)], DISPLAY=f":{free}")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"the display :{free} does not answer" in line


def test_speed_zero_and_global_options_after_a_command_say_what_to_do(tmp_path):
    zero = run(["--speed", "0"])
    assert zero.returncode == 2
    assert "must be more than 0 and at most 1000" in zero.stderr
    late = run(["history", "--data-dir", str(tmp_path)])
    assert late.returncode == 2
    assert "goes before the command" in late.stderr
    assert f"stenosis-player --data-dir {tmp_path} history" in late.stderr
