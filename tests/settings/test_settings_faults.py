"""settings.json that cannot be read, must not be replaced, or was edited by hand while the
app runs: loading says so, a save is never silent, and the user's file is never lost or
changed unseen. Real files, FIFOs and devices; the real app in a subprocess where a hang
is the failure."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stenosis_player.settings import SettingError, Settings, SettingsSaveError, load_settings
from stenosis_player.ui.main_window import MainWindow
from stenosis_player.ui.speech_port import CaptionOnlySpeech

REPO = Path(__file__).resolve().parents[2]


def settings_file(data: Path, text: str | None = None) -> Path:
    path = data / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def app_script(data: Path) -> subprocess.CompletedProcess[str]:
    """The real app reading its settings (`script` plans with them), in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "stenosis_player", "--data-dir", str(data), "script"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,  # a FIFO used to block here for ever
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("fifo", "the settings file is a named pipe (FIFO), not a regular file"),
        ("device", "the settings file is a device, not a regular file"),
        ("folder", "the settings file is a folder"),
    ],
)
def test_a_special_settings_file_is_read_without_hanging_and_never_replaced(
    tmp_path, kind, expected
):
    path = settings_file(tmp_path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")  # reading it would never end
    else:
        path.mkdir()
    done = app_script(tmp_path)
    assert done.returncode == 0, done.stderr  # the app goes on with the defaults
    assert expected in done.stderr and "Traceback" not in done.stderr
    loaded = load_settings(path)
    assert expected in loaded.problems[0]
    loaded.settings.set("voice.rate", 120)
    with pytest.raises(SettingsSaveError, match="not saved over it until it can be read"):
        loaded.settings.save()
    mode = path.lstat().st_mode
    assert {
        "fifo": stat.S_ISFIFO(mode),
        "device": stat.S_ISLNK(mode),
        "folder": stat.S_ISDIR(mode),
    }[kind]
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no backup, no temp


def test_a_read_only_settings_file_is_not_replaced(tmp_path):
    text = json.dumps({"version": 1, "voice": {"rate": 140}}, indent=2) + "\n"
    path = settings_file(tmp_path, text)
    path.chmod(0o444)
    settings = load_settings(path).settings
    settings.set("voice.rate", 120)
    with pytest.raises(SettingsSaveError, match="is read-only, so your settings were not saved"):
        settings.save()
    assert path.read_text(encoding="utf-8") == text
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_save_keeps_the_files_permissions(tmp_path):
    path = settings_file(tmp_path, json.dumps({"version": 1}))
    path.chmod(0o600)
    settings = load_settings(path).settings
    settings.set("voice.rate", 120)
    settings.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["voice"]["rate"] == 120


def test_a_lone_surrogate_or_duplicate_key_is_reported_and_the_file_kept(tmp_path):
    text = '{"version": 1, "voice": {"name": "en\\ud800", "rate": 150}}\n'
    path = settings_file(tmp_path, text)
    loaded = load_settings(path)
    assert "voice.name: contains a lone surrogate escape" in loaded.problems[0]
    with pytest.raises(SettingError, match="lone surrogate"):
        loaded.settings.set("voice.name", "en\ud800")
    backup = loaded.settings.save()  # the next save works, and keeps the user's file aside
    assert backup is not None and backup.read_text(encoding="utf-8") == text
    dup = '{"version": 1,\n "voice": {"rate": 150, "rate": 90}}\n'
    path.write_text(dup, encoding="utf-8")
    loaded = load_settings(path)
    assert (
        "the key 'rate' appears twice in the object that starts at line 2, column 11"
        in (loaded.problems[0])
    )


def test_hand_edits_made_while_the_app_runs_are_merged_not_lost(tmp_path):
    path = settings_file(tmp_path, json.dumps({"version": 1, "voice": {"rate": 150}}))
    settings = load_settings(path).settings
    heard: list[tuple[str, object]] = []
    settings.subscribe(lambda k, v: heard.append((k, v)))
    settings.set("voice.rate", 120)  # the app changes one thing
    edited = json.loads(path.read_text())
    edited["display"] = {"text_scale": 1.5}  # the user edits another by hand
    edited["voice"]["rate"] = 180
    edited["mine"] = {"note": "kept"}
    path.write_text(json.dumps(edited), encoding="utf-8")
    settings.save()
    doc = json.loads(path.read_text())
    assert doc["display"]["text_scale"] == 1.5  # the hand edit survived
    assert doc["voice"]["rate"] == 120  # the app's own change wins where both changed
    assert doc["mine"] == {"note": "kept"}
    assert settings.get("display.text_scale") == 1.5
    assert ("display.text_scale", 1.5) in heard
    assert "was changed outside the app while it ran" in settings.last_save_notice

    broken = '{"version": 1, "voice": {"rate": 150'  # a hand edit that broke the file
    path.write_text(broken, encoding="utf-8")
    settings.set("voice.rate", 130)
    backup = settings.save()
    assert backup.read_text(encoding="utf-8") == broken
    assert "was changed outside the app and has problems" in settings.last_save_notice
    assert json.loads(path.read_text())["voice"]["rate"] == 130


def test_the_window_says_when_a_settings_save_fails(qtbot, catalog, tmp_path):
    path = settings_file(tmp_path, json.dumps({"version": 1}))
    settings = load_settings(path).settings
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech())
    qtbot.addWidget(w)
    w.show()
    path.chmod(0o444)
    before = path.read_bytes()
    w.toggle_contrast()  # used to fail unseen inside suppress(Exception)
    assert "Your settings were not saved: " in w.start_view.notices.text()
    assert "read-only" in w.start_view.notices.text()
    assert path.read_bytes() == before


def test_doses_set_far_past_any_program_do_not_start_a_month_long_session(qtbot, catalog):
    settings = Settings()
    settings.catalog = catalog
    for item in catalog.program("step-by-step").items:
        for field, value in (("reps", 100), ("sets", 10), ("hold_s", 600)):
            with contextlib.suppress(SettingError):  # timed exercises have no reps
                settings.set(f"exercises.{item.exercise_id}.{field}", value)
    w = MainWindow(catalog, settings=settings, speech=CaptionOnlySpeech())
    qtbot.addWidget(w)
    w.show()
    w.session.start_session("step-by-step")
    assert w.session.controller is None  # nothing started
    notice = w.start_view.notices.text()
    assert notice.startswith("This session would last ")
    assert "the limit is 4 hours. Lower the repetitions, sets or holds" in notice


SYSTEM_PYTHON = Path("/usr/bin/python3")
NOBODY = 65534
AS_NOBODY_SAVE = """
import sys
from stenosis_player.settings import load_settings
loaded = load_settings(sys.argv[1])
print(loaded.problems[0])
loaded.settings.set("voice.rate", 120)
try:
    loaded.settings.save()
except OSError as exc:
    print("SAVE REFUSED:", exc)
"""


@pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and SYSTEM_PYTHON.exists()),
    reason="needs root to run as another user (root itself can read a mode-000 file)",
)
def test_an_unreadable_settings_file_is_never_overwritten(tmp_path):
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="stenosis-settings-"))
    try:
        path = folder / "settings.json"
        text = '{"version": 1, "voice": {"rate": 140}}\n'
        path.write_text(text, encoding="utf-8")
        path.chmod(0o000)  # the user's file, unreadable to the app (mode 000)
        os.chown(folder, NOBODY, NOBODY)
        as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        done = subprocess.run(
            [*as_nobody, str(SYSTEM_PYTHON), "-c", AS_NOBODY_SAVE, str(path)],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(REPO), "PATH": os.environ["PATH"]},
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "cannot read the settings file (Permission denied); using the default" in (
            done.stdout
        )
        assert "SAVE REFUSED:" in done.stdout and "not saved over it" in done.stdout
        assert path.read_text(encoding="utf-8") == text  # root can still read it: unchanged
        assert stat.S_IMODE(path.stat().st_mode) == 0
        assert [p.name for p in folder.iterdir()] == ["settings.json"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
