"""Every setting is declared once; validation, docs and the typed values come from that table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stenosis_player.settings import (
    ENTRIES,
    GLOBAL_ENTRIES,
    SettingError,
    Settings,
    entry_for,
    markdown_doc,
)

REPO = Path(__file__).resolve().parents[2]

EXPECTED_DEFAULTS = {
    "voice.engine": "pyttsx3",
    "voice.name": None,
    "voice.rate": 150,
    "voice.volume": 1.0,
    "speech.count_aloud": True,
    "speech.countdown_last_s": 3,
    "speech.beeps": True,
    "timing.change_position_s": 10,
    "timing.floor_to_standing_s": 20,
    "display.text_scale": 1.0,
    "display.high_contrast": False,
    "display.fullscreen": False,
    "voice_commands.enabled": False,
    "voice_commands.leading_word": "player",
    "reminders.enabled": False,
    "reminders.days": "mon tue wed thu fri sat sun",
    "reminders.times": "10:00",
    "program.last": None,
    "safety.notice_seen": False,
    "reminders.offered": False,
}


def test_global_defaults_are_the_declared_ones():
    s = Settings()
    assert {e.key: s.get(e.key) for e in GLOBAL_ENTRIES} == EXPECTED_DEFAULTS


@pytest.mark.parametrize(
    ("key", "lo", "hi"),
    [
        ("voice.rate", 80, 300),
        ("voice.volume", 0, 1),
        ("speech.countdown_last_s", 0, 10),
        ("timing.change_position_s", 3, 120),
        ("timing.floor_to_standing_s", 5, 180),
        ("display.text_scale", 0.75, 2.5),
        ("exercises.walking.reps", 1, 100),
        ("exercises.walking.sets", 1, 10),
        ("exercises.walking.hold_s", 0, 600),
        ("exercises.walking.rest_s", 0, 600),
        ("exercises.walking.duration_s", 1, 7200),
    ],
)
def test_bounds_are_enforced_at_both_ends(key, lo, hi):
    s = Settings()
    s.set(key, lo)
    s.set(key, hi)
    assert s.get(key) == hi
    for bad in (lo - 1, hi + 1):
        with pytest.raises(SettingError, match=rf"^{key}: must be between"):
            s.set(key, bad)
    assert s.get(key) == hi


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("voice.rate", "fast", 'must be a whole number (found "fast")'),
        ("voice.rate", 150.5, "must be a whole number (found 150.5)"),
        ("voice.rate", True, "must be a whole number (found true)"),
        ("speech.beeps", "yes", 'must be true or false (found "yes")'),
        ("voice.engine", "festival", 'must be one of "pyttsx3" (found "festival")'),
        ("voice_commands.leading_word", "  ", "must not be empty"),
        (
            "voice_commands.leading_word",
            "hey player",
            'must be one plain word, such as player (found "hey player")',
        ),
        ("display.high_contrast", None, "must not be null"),
        ("programs.step-by-step.order", ["walking", "walking"], 'lists "walking" more than once'),
        ("programs.step-by-step.order", "walking", "must be a list of exercise ids"),
    ],
)
def test_wrong_values_are_refused_with_the_reason(key, value, message):
    s = Settings()
    with pytest.raises(SettingError) as info:
        s.set(key, value)
    assert str(info.value).startswith(f"{key}: {message}")


def test_unknown_keys_are_refused():
    with pytest.raises(KeyError):
        Settings().set("voice.pitch", 3)
    assert entry_for("exercises.Not An Id.reps") is None
    assert entry_for("exercises.walking.reps").key == "exercises.*.reps"


def test_a_whole_float_is_taken_as_a_whole_number():
    s = Settings()
    s.set("voice.rate", 120.0)
    assert s.get("voice.rate") == 120 and isinstance(s.get("voice.rate"), int)


def test_observers_hear_each_change_once_and_only_their_keys():
    s = Settings()
    heard_all, heard_voice, heard_rate = [], [], []
    s.subscribe(lambda k, v: heard_all.append((k, v)))
    s.subscribe(lambda k, v: heard_voice.append(k), "voice.")
    unsubscribe = s.subscribe(lambda k, v: heard_rate.append(v), "voice.rate")
    s.set("voice.rate", 120)
    s.set("voice.rate", 120)  # no change: no notice
    s.set("display.text_scale", 2.0)
    unsubscribe()
    s.set("voice.rate", 130)
    s.reset("voice.rate")
    assert heard_all == [
        ("voice.rate", 120),
        ("display.text_scale", 2.0),
        ("voice.rate", 130),
        ("voice.rate", 150),
    ]
    assert heard_voice == ["voice.rate", "voice.rate", "voice.rate"]
    assert heard_rate == [120]


def test_resetting_an_override_to_null_removes_it():
    s = Settings()
    s.set("exercises.walking.duration_s", 600)
    s.set("exercises.walking.duration_s", None)
    assert s.explicit_keys() == []


def test_modification_is_checked_against_the_catalogue_when_one_is_given(catalog):
    s = Settings()
    s.set("exercises.walking.modification", "anything")  # no catalogue: only the type
    s.catalog = catalog
    with pytest.raises(SettingError, match="not one of this exercise's versions"):
        s.set("exercises.walking.modification", "partial-squat")
    with pytest.raises(SettingError, match="no exercise"):
        s.set("exercises.no-such-exercise.reps", 3)
    s.set("exercises.walking.modification", "cycling-instead")
    assert s.get("exercises.walking.modification") == "cycling-instead"


def test_script_options_ignore_what_the_catalogue_lacks(catalog):
    s = Settings()
    s.set("exercises.walking.modification", "no-such-version")
    s.set("exercises.no-such-exercise.reps", 3)
    opts = s.script_options(catalog, "step-by-step")
    assert opts.overrides == {}
    assert len(s.catalog_problems(catalog)) == 2


def test_voice_config_follows_the_settings():
    s = Settings()
    s.set("voice.rate", 120)
    s.set("voice.volume", 0.5)
    config = s.voice_config()
    assert (config.engine, config.voice, config.rate, config.volume) == ("pyttsx3", None, 120, 0.5)


@given(st.integers(min_value=-1000, max_value=10_000))
def test_rate_accepted_exactly_within_its_bounds(value):
    s = Settings()
    try:
        s.set("voice.rate", value)
    except SettingError:
        assert not 80 <= value <= 300
    else:
        assert 80 <= value <= 300 and s.get("voice.rate") == value


def test_every_entry_is_documented():
    doc = markdown_doc()
    for e in ENTRIES:
        assert e.description and e.label and e.group
        key = e.key.replace("exercises.*", "exercises.<exercise-id>").replace(
            "programs.*", "programs.<program-id>"
        )
        assert f"`{key}`" in doc


def test_docs_file_is_up_to_date_with_the_declaration():
    """docs/settings.md must be regenerated when ENTRIES change (see its first lines)."""
    out = subprocess.run(
        [sys.executable, "-m", "stenosis_player.settings", "--doc"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert out == (REPO / "docs" / "settings.md").read_text(encoding="utf-8")


def test_settings_module_does_not_import_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'PySide6': raise ImportError('Qt is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import stenosis_player.settings, stenosis_player.program_share\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "ok", out.stderr
