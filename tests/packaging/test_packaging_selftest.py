"""``stenosis-player --self-test``: one line, exit 0 when everything works, 1 naming a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.speech
def test_self_test_passes_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _run("--self-test", "--data-dir", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    line = lines[0]
    assert line.startswith("self-test OK: catalogue 18 exercises, script ")
    assert " segments " in line and "s WAV" in line and "painted" in line
    # Everything it wrote stayed under --data-dir, and its clip was cleaned up.
    assert not list(data.rglob("*.wav"))


def test_self_test_fails_with_one_line_naming_the_catalogue(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1}), encoding="utf-8")
    result = _run("--exercises", str(bad), "--self-test", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert result.stdout.startswith("self-test FAILED: catalogue ")
    assert str(bad) in result.stdout


def test_self_test_reports_missing_speech_engine(tmp_path: Path, monkeypatch, capsys) -> None:
    """A speech engine that cannot start is a FAIL that says what to install."""
    import argparse

    from stenosis_player import selftest
    from stenosis_player.voice import synth

    class NoSpeech:
        def __init__(self, *a, **k) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

        def synthesize(self, text: str):
            raise synth.SynthesisUnavailable(
                "eSpeak NG library not found: install the Debian package libespeak-ng1"
            )

    monkeypatch.setattr(synth, "Synthesizer", NoSpeech)
    args = argparse.Namespace(data_dir=str(tmp_path), exercises=None)
    assert selftest.run_self_test(args) == 1
    out = capsys.readouterr().out
    assert out == (
        "self-test FAILED: speech unavailable: eSpeak NG library not found: "
        "install the Debian package libespeak-ng1\n"
    )


def test_frozen_entry_point_runs_the_voice_worker() -> None:
    """The bundle's entry script turns ``-m stenosis_player.voice.worker`` into the worker
    (the synthesizer starts it as ``sys.executable -m ...``): it answers with its hello."""
    entry = REPO / "packaging" / "pyinstaller_entry.py"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, str(entry), "-m", "stenosis_player.voice.worker"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    hello = json.loads(result.stdout.splitlines()[0])
    assert "ready" in hello, result.stdout
