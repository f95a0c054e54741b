"""settings.json: missing, broken, partly wrong or with unknown keys; saved atomically."""

from __future__ import annotations

import json
import os

import pytest

from stenosis_player import settings as settings_module
from stenosis_player.settings import Settings, load_settings


def write(path, text: str | bytes) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return data


def backups(path):
    return sorted(path.parent.glob(f"{path.name}.bad-*"))


def test_missing_file_gives_defaults_and_no_problems(settings_path):
    loaded = load_settings(settings_path)
    assert loaded.problems == [] and loaded.notices == []
    assert loaded.settings.get("voice.rate") == 150
    assert not settings_path.exists()  # loading never writes


def test_save_then_load_round_trips_every_kind_of_value(settings_path):
    s = Settings(settings_path)
    s.set("voice.rate", 120)
    s.set("voice.name", "en-gb")
    s.set("voice.volume", 0.35)
    s.set("speech.beeps", False)
    s.set("display.text_scale", 1.75)
    s.set("exercises.walking.duration_s", 900)
    s.set("programs.step-by-step.order", ["walking", "lumbar-flexion-lying"])
    s.save()
    loaded = load_settings(settings_path)
    assert loaded.problems == []
    keys = s.explicit_keys()
    assert {k: loaded.settings.get(k) for k in keys} == {k: s.get(k) for k in keys}
    doc = json.loads(settings_path.read_text(encoding="utf-8"))
    assert doc["version"] == 1
    assert doc["voice"]["rate"] == 120  # human-readable, nested by section
    assert doc["exercises"] == {"walking": {"duration_s": 900}}


def test_not_json_keeps_the_file_untouched_until_save_then_backs_it_up(settings_path):
    original = write(settings_path, '{"voice": {"rate": 120,,}')
    loaded = load_settings(settings_path)
    assert len(loaded.problems) == 1
    problem = loaded.problems[0]
    assert str(settings_path) in problem and "not valid JSON" in problem and "line 1" in problem
    assert loaded.settings.get("voice.rate") == 150  # all defaults
    assert settings_path.read_bytes() == original and backups(settings_path) == []

    loaded.settings.set("voice.rate", 110)
    loaded.settings.save()
    [backup] = backups(settings_path)
    assert backup.read_bytes() == original
    assert load_settings(settings_path).settings.get("voice.rate") == 110
    loaded.settings.save()  # the second save makes no second backup
    assert len(backups(settings_path)) == 1


@pytest.mark.parametrize("text", [b"\xff\xfe not utf-8", b"[1, 2, 3]", b"NaN", b""])
def test_other_unusable_files_give_defaults_and_one_problem(settings_path, text):
    write(settings_path, text)
    loaded = load_settings(settings_path)
    assert len(loaded.problems) == 1 and str(settings_path) in loaded.problems[0]
    assert loaded.settings.explicit_keys() == []


def test_bad_entries_fall_back_alone_and_are_named(settings_path):
    original = write(
        settings_path,
        json.dumps(
            {
                "version": 1,
                "voice": {"rate": 9000, "volume": 0.5, "name": 7},
                "speech": {"beeps": "yes", "countdown_last_s": 5},
                "timing": "slow",
                "display": {"text_scale": 2.0},
                "exercises": {
                    "walking": {"duration_s": 600, "sets": 0},
                    "curl-ups": 12,
                },
            },
            indent=2,
        ),
    )
    loaded = load_settings(settings_path)
    assert loaded.problems == [
        "settings.json: voice.rate: must be between 80 and 300 (found 9000); using 150",
        "settings.json: voice.name: must be text (found 7); using null",
        'settings.json: speech.beeps: must be true or false (found "yes"); using true',
        'settings.json: timing: must be an object (found "slow"); using the defaults',
        "settings.json: exercises.walking.sets: must be between 1 and 10 (found 0); using null",
        "settings.json: exercises.curl-ups: must be an object (found 12); ignored",
    ]
    s = loaded.settings
    # the good entries beside the bad ones are kept
    assert s.get("voice.volume") == 0.5
    assert s.get("speech.countdown_last_s") == 5
    assert s.get("display.text_scale") == 2.0
    assert s.get("exercises.walking.duration_s") == 600
    # the bad ones use their defaults
    assert (s.get("voice.rate"), s.get("speech.beeps"), s.get("voice.name")) == (150, True, None)
    assert s.get("timing.change_position_s") == 10
    assert s.get("exercises.walking.sets") is None

    assert settings_path.read_bytes() == original  # untouched until the user saves
    backup = s.save()
    assert backup is not None and backup.read_bytes() == original
    assert backups(settings_path) == [backup]
    again = load_settings(settings_path)
    assert again.problems == [] and again.settings.get("voice.volume") == 0.5


def test_unknown_keys_are_reported_kept_and_written_back(settings_path):
    original = write(
        settings_path,
        json.dumps(
            {
                "version": 1,
                "voice": {"rate": 140, "pitch": 3},
                "exercises": {"walking": {"duration_s": 600, "feeling": "good"}},
                "from_the_future": {"a": [1, 2]},
            }
        ),
    )
    loaded = load_settings(settings_path)
    assert loaded.problems == []
    assert loaded.notices == [
        "settings.json: voice.pitch: unknown setting; kept in the file but not used",
        "settings.json: exercises.walking.feeling: unknown setting; kept in the file but not used",
        "settings.json: from_the_future: unknown setting; kept in the file but not used",
    ]
    assert settings_path.read_bytes() == original
    loaded.settings.set("voice.rate", 130)
    assert loaded.settings.save() is None  # nothing was wrong: no backup
    doc = json.loads(settings_path.read_text(encoding="utf-8"))
    assert doc["voice"]["pitch"] == 3 and doc["voice"]["rate"] == 130
    assert doc["exercises"]["walking"] == {"duration_s": 600, "feeling": "good"}
    assert doc["from_the_future"] == {"a": [1, 2]}
    assert backups(settings_path) == []


def test_a_newer_version_is_read_as_far_as_possible_and_backed_up_on_save(settings_path):
    original = write(settings_path, json.dumps({"version": 7, "voice": {"rate": 120}}))
    loaded = load_settings(settings_path)
    assert loaded.problems == [
        "settings.json: version: written by a newer version of the app (version 7); "
        "reading what this version knows"
    ]
    assert loaded.settings.get("voice.rate") == 120
    loaded.settings.save()
    assert [b.read_bytes() for b in backups(settings_path)] == [original]


def test_save_is_atomic_a_failed_write_leaves_the_old_file(settings_path, monkeypatch):
    s = Settings(settings_path)
    s.set("voice.rate", 120)
    s.save()
    before = settings_path.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings_module.os, "replace", fail)
    s.set("voice.rate", 200)
    with pytest.raises(OSError):
        s.save()
    assert settings_path.read_bytes() == before
    assert [p.name for p in settings_path.parent.iterdir()] == ["settings.json"]  # no temp left


def test_save_fsyncs_before_replacing(settings_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        settings_module.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))
    )
    monkeypatch.setattr(
        settings_module.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))
    )
    Settings(settings_path).save()
    assert calls[:2] == ["fsync", "replace"]


def test_check_command_lists_the_problems(settings_path, capsys):
    write(settings_path, json.dumps({"voice": {"rate": 9000}}))
    assert settings_module.main(["--check", str(settings_path)]) == 1
    assert "voice.rate: must be between 80 and 300" in capsys.readouterr().out
