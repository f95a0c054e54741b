"""User settings, declared once: every key's type, bounds, default and description live in
``ENTRIES`` below, and the validation, the settings dialog's widgets and ``docs/settings.md``
are all derived from that one table (regenerate the docs with
``python -m stenosis_player.settings --doc > docs/settings.md``).

Stored as a human-readable ``settings.json`` (nested objects: ``{"voice": {"rate": 150}}``)
with a ``"version"`` key. Loading never fails: a broken file or a bad entry falls back to the
default for what is broken, says so in ``LoadedSettings.problems``, and leaves the user's file
exactly as it was until the next save, which first copies it to
``settings.json.bad-<timestamp>``. Unknown keys are kept and written back. Saves are atomic.
A save never goes over the user's file unseen: a file that cannot be read, is not a regular
file or is read-only is left alone and the save fails with a message; edits made by hand
while the app runs are merged (the app's own changes on top) and the save says so.

This module never imports Qt.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import strict_json
from .digest import sha256
from .user_files import FileProblem, decode_utf8, kind_of, read_limited
from .voice.config import ENGINES, VoiceConfig

# The script module is imported where it is used: the reminder process reads settings
# without the catalogue code (some 4 MB).
if TYPE_CHECKING:
    from .catalog import Catalog
    from .script import DoseOverride, ScriptOptions

VERSION = 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DOSE_FIELDS = ("reps", "sets", "hold_s", "rest_s", "duration_s")
TEST_VOICE_TEXT = "This is how your exercise guide will sound."


class SettingError(ValueError):
    """A value that a setting does not accept; the message is 'key: why'."""


# --------------------------------------------------------------------------- the declaration


@dataclass(frozen=True)
class Entry:
    """One setting. ``key`` has a ``*`` where an exercise or program id goes."""

    key: str
    type: type  # bool, int, float, str or list (a list of exercise ids)
    default: Any
    label: str  # short, for the dialog
    description: str  # a sentence, for the docs and the dialog's tooltip
    group: str  # the dialog's tab, the docs' section
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""
    widget: str = ""  # a hint for the dialog: "slider"
    in_dialog: bool = True
    max_length: int = 200
    pattern: str = ""  # text: a regular expression the whole value must match ...
    pattern_words: str = ""  # ... and what that means in words, for messages and docs

    @property
    def templated(self) -> bool:
        return "*" in self.key

    @property
    def name(self) -> str:
        """The last part of the key: ``rate`` for ``voice.rate``."""
        return self.key.rsplit(".", 1)[-1]

    def check(self, value: Any) -> tuple[Any, str | None]:
        """(the value in its declared type, None) or (None, why it is not accepted)."""
        if value is None:
            return (None, None) if self.nullable else (None, f"must not be null{self._want()}")
        t = self.type
        if t is bool:
            if not isinstance(value, bool):
                return None, f"must be true or false (found {show(value)})"
            return value, None
        if t in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                kind = "a whole number" if t is int else "a number"
                return None, f"must be {kind} (found {show(value)})"
            if isinstance(value, float) and not math.isfinite(value):
                return None, f"must be a finite number (found {show(value)})"
            if t is int:
                if isinstance(value, float) and not value.is_integer():
                    return None, f"must be a whole number (found {show(value)})"
                value = int(value)
            else:
                value = float(value)
            lo, hi = self.minimum, self.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                return None, f"must be between {num(lo)} and {num(hi)} (found {show(value)})"
            return value, None
        if t is str:
            if not isinstance(value, str):
                return None, f"must be text (found {show(value)})"
            if self.choices and value not in self.choices:
                allowed = ", ".join(map(show, self.choices))
                return None, f"must be one of {allowed} (found {show(value)})"
            if not value.strip():
                return None, "must not be empty"
            if strict_json.has_surrogate(value) or _CONTROL.search(value):
                return None, "holds a control character or lone surrogate, which is not text"
            if len(value) > self.max_length:
                return None, f"must be at most {self.max_length} characters long"
            if self.pattern and not re.fullmatch(self.pattern, value):
                return None, f"must be {self.pattern_words} (found {show(value)})"
            return value, None
        if t is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None, f"must be a list of exercise ids (found {show(value)})"
            for v in value:
                if not ID_PATTERN.match(v):
                    return None, f"{show(v)} is not a valid exercise id"
            dupes = sorted({v for v in value if value.count(v) > 1})
            if dupes:
                return None, f"lists {', '.join(map(show, dupes))} more than once"
            return list(value), None
        raise TypeError(f"{self.key}: unsupported type {t}")  # pragma: no cover

    def _want(self) -> str:
        return f" (allowed: {self.allowed()})" if self.allowed() else ""

    def allowed(self) -> str:
        """The allowed values in words, for docs and messages."""
        if self.type is bool:
            return "true or false"
        if self.type in (int, float):
            unit = f" {self.unit}" if self.unit else ""
            kind = "whole number" if self.type is int else "number"
            return f"{kind}, {num(self.minimum)}–{num(self.maximum)}{unit}"
        if self.type is str:
            if self.choices:
                return "one of " + ", ".join(map(show, self.choices))
            return self.pattern_words or "text"
        return "list of exercise ids"


def show(value: Any) -> str:
    """A value as it appears in the JSON file (shortened)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


_E = Entry
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_HHMM = r"(?:[01]?\d|2[0-3]):[0-5]\d"
ENTRIES: tuple[Entry, ...] = (
    # Voice
    _E(
        "voice.engine",
        str,
        "pyttsx3",
        "Speech engine",
        "Which speech engine reads the instructions aloud (pyttsx3: eSpeak NG on Linux, "
        "SAPI5 on Windows, NSSpeechSynthesizer on macOS).",
        "Voice",
        choices=ENGINES,
    ),
    _E(
        "voice.name",
        str,
        None,
        "Voice",
        "The engine's id for the voice to use (`stenosis-player voices` lists them); null "
        "means the engine's default voice.",
        "Voice",
        nullable=True,
    ),
    _E(
        "voice.rate",
        int,
        150,
        "Speaking rate",
        "How fast the guide speaks, in words per minute.",
        "Voice",
        80,
        300,
        unit="words/min",
        widget="slider",
    ),
    _E(
        "voice.volume",
        float,
        1.0,
        "Volume",
        "How loud the guide speaks, from 0 (silent) to 1 (full).",
        "Voice",
        0.0,
        1.0,
        widget="slider",
    ),
    # Counting
    _E(
        "speech.count_aloud",
        bool,
        True,
        "Count aloud",
        "Say each repetition's number and count down the end of holds and rests.",
        "Counting",
    ),
    _E(
        "speech.countdown_last_s",
        int,
        3,
        "Count down the last",
        "How many of the last seconds of a hold, rest or position change are counted aloud.",
        "Counting",
        0,
        10,
        unit="s",
    ),
    _E(
        "speech.beeps",
        bool,
        True,
        "Beeps",
        "Play a short beep when a hold or rest ends.",
        "Counting",
    ),
    # Timing
    _E(
        "timing.change_position_s",
        int,
        10,
        "Time to change position",
        "At least this many seconds to get into position before an exercise, and to switch "
        "sides (the catalogue's transition table gives more where a change needs it).",
        "Timing",
        3,
        120,
        unit="s",
    ),
    _E(
        "timing.floor_to_standing_s",
        int,
        20,
        "From the floor to standing",
        "At least this many seconds between the floor and standing, either way: never rushed.",
        "Timing",
        5,
        180,
        unit="s",
    ),
    # Display
    _E(
        "display.text_scale",
        float,
        1.0,
        "Text size",
        "How large the text is, as a multiple of the normal size.",
        "Display",
        0.75,
        2.5,
        unit="×",
    ),
    _E(
        "display.high_contrast",
        bool,
        False,
        "High contrast",
        "Show white text on black with strong colours.",
        "Display",
    ),
    _E(
        "display.fullscreen",
        bool,
        False,
        "Full screen",
        "Open the player full screen.",
        "Display",
    ),
    # Voice commands
    _E(
        "voice_commands.enabled",
        bool,
        False,
        "Listen for voice commands",
        "Listen to the microphone for commands such as “player pause”.",
        "Voice commands",
    ),
    _E(
        "voice_commands.leading_word",
        str,
        "player",
        "Leading word",
        "The word said before every voice command, so ordinary talk is not taken as one.",
        "Voice commands",
        max_length=30,
        # what the recogniser accepts (voice_commands.commands.validate_leading_word)
        pattern=r"\s*[A-Za-z']+\s*",
        pattern_words="one plain word, such as player",
    ),
    # Reminders (their tab is ui/reminders_tab.py; reminders/ installs the user's scheduler)
    _E(
        "reminders.enabled",
        bool,
        False,
        "Remind me to exercise",
        "Show a reminder on the days and at the times below, even when the player is closed "
        "(through this computer's own scheduler). Nothing is sent anywhere.",
        "Reminders",
        in_dialog=False,
    ),
    _E(
        "reminders.days",
        str,
        "mon tue wed thu fri sat sun",
        "Days",
        "The days of the week to be reminded on.",
        "Reminders",
        in_dialog=False,
        max_length=60,
        pattern=rf"\s*{_DAY}(?:[\s,]+{_DAY})*\s*",
        pattern_words="days of the week such as mon wed fri",
    ),
    _E(
        "reminders.times",
        str,
        "10:00",
        "Times",
        "The times of day (24-hour) to be reminded at; one reminder per time.",
        "Reminders",
        in_dialog=False,
        max_length=60,
        pattern=rf"\s*{_HHMM}(?:[\s,]+{_HHMM})*\s*",
        pattern_words="times of day such as 09:30 18:00",
    ),
    # Remembered by the app itself
    _E(
        "program.last",
        str,
        None,
        "Last program",
        "The id of the program used last; null means the catalogue's default program.",
        "Remembered",
        nullable=True,
        in_dialog=False,
        max_length=64,
    ),
    _E(
        "safety.notice_seen",
        bool,
        False,
        "Safety notice seen",
        "Whether the “check with your healthcare provider” notice has been shown and accepted.",
        "Remembered",
        in_dialog=False,
    ),
    _E(
        "reminders.offered",
        bool,
        False,
        "Reminders offered",
        "Whether reminders were offered after the first completed session (they are offered once).",
        "Remembered",
        in_dialog=False,
    ),
    # Per exercise: null means the program's dose, else the article's.
    _E(
        "exercises.*.reps",
        int,
        None,
        "Repetitions",
        "Repetitions per set.",
        "Exercises",
        1,
        100,
        nullable=True,
    ),
    _E("exercises.*.sets", int, None, "Sets", "Number of sets.", "Exercises", 1, 10, nullable=True),
    _E(
        "exercises.*.hold_s",
        int,
        None,
        "Hold",
        "Seconds to hold each repetition.",
        "Exercises",
        0,
        600,
        nullable=True,
        unit="s",
    ),
    _E(
        "exercises.*.rest_s",
        int,
        None,
        "Rest",
        "Seconds of rest between sets.",
        "Exercises",
        0,
        600,
        nullable=True,
        unit="s",
    ),
    _E(
        "exercises.*.duration_s",
        int,
        None,
        "Duration",
        "Seconds of a timed exercise (walking, marching, cycling).",
        "Exercises",
        1,
        7200,
        nullable=True,
        unit="s",
    ),
    _E(
        "exercises.*.modification",
        str,
        None,
        "Easier version",
        "The id of one of the exercise's modifications to do instead of the article's "
        "version; null means the program's choice.",
        "Exercises",
        nullable=True,
        max_length=64,
    ),
    _E(
        "exercises.*.removed",
        bool,
        False,
        "Removed after a symptom check",
        "Taken out of the home program because symptoms did not settle (the app asks after "
        "sustained lumbar extension). Set back to false to put it back.",
        "Exercises",
    ),
    # Per program
    _E(
        "programs.*.order",
        list,
        None,
        "Order",
        "The exercises to do, in order; an exercise of the program that is not listed is "
        "left out. null means the program's own order and choice.",
        "Program",
        nullable=True,
    ),
)

ENTRY_BY_KEY: dict[str, Entry] = {e.key: e for e in ENTRIES}
GLOBAL_ENTRIES: tuple[Entry, ...] = tuple(e for e in ENTRIES if not e.templated)
EXERCISE_ENTRIES: dict[str, Entry] = {
    e.name: e for e in ENTRIES if e.key.startswith("exercises.*.")
}
PROGRAM_ENTRIES: dict[str, Entry] = {e.name: e for e in ENTRIES if e.key.startswith("programs.*.")}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(e.key.split(".")[0] for e in GLOBAL_ENTRIES))


def entry_for(key: str) -> Entry | None:
    """The declaration for a concrete key (``exercises.walking.duration_s`` included)."""
    if key in ENTRY_BY_KEY and not ENTRY_BY_KEY[key].templated:
        return ENTRY_BY_KEY[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in ("exercises", "programs") and ID_PATTERN.match(parts[1]):
        return ENTRY_BY_KEY.get(f"{parts[0]}.*.{parts[2]}")
    return None


def exercise_key(exercise_id: str, name: str) -> str:
    return f"exercises.{exercise_id}.{name}"


def program_key(program_id: str, name: str = "order") -> str:
    return f"programs.{program_id}.{name}"


def entries_in_group(group: str) -> list[Entry]:
    return [e for e in ENTRIES if e.group == group]


def dialog_groups() -> list[str]:
    """The global groups the settings dialog shows, in declaration order."""
    return list(dict.fromkeys(e.group for e in GLOBAL_ENTRIES if e.in_dialog))


# --------------------------------------------------------------------------- the settings


Observer = Callable[[str, Any], None]


@dataclass
class LoadedSettings:
    settings: Settings
    problems: list[str] = field(default_factory=list)  # bad file or bad entries (defaults used)
    notices: list[str] = field(default_factory=list)  # unknown keys (kept, not used)

    @property
    def messages(self) -> list[str]:
        return self.problems + self.notices


class Settings:
    """Typed, validated settings with change notification.

    ``get``/``set`` take dotted keys (``voice.rate``, ``exercises.walking.duration_s``).
    Per-exercise and per-program keys default to None: "the program's or article's value".
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else None
        self._values: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}  # unknown keys, kept for the round trip
        self._observers: list[tuple[str | None, Observer]] = []
        self.catalog: Catalog | None = None  # when set, catalogue-dependent values are checked
        self.backup_pending = False  # the file on disk must be copied aside before a save
        self.last_backup: Path | None = None
        # what the file on disk held when last read or written (its digest; None: no file),
        # so a save notices hand edits made while the app runs
        self.disk_digest: str | None = None
        self.unwritable: str | None = None  # why saving over the file is refused, if it is
        self.last_save_notice: str | None = None  # what the last save had to do (a merge)
        self._changed: set[str] = set()  # keys changed here since the last read or save

    # ---- reading

    def get(self, key: str) -> Any:
        entry = self._entry(key)
        return self._values.get(key, entry.default)

    __getitem__ = get

    def is_set(self, key: str) -> bool:
        return key in self._values

    def explicit_keys(self) -> list[str]:
        """Every key with a value of its own (not the default)."""
        return list(self._values)

    def exercise_override(self, exercise_id: str) -> DoseOverride:
        from .script import DoseOverride

        return DoseOverride(
            **{f: self._values.get(exercise_key(exercise_id, f)) for f in DOSE_FIELDS},
            modification=self._values.get(exercise_key(exercise_id, "modification")),
        )

    def program_order(self, program_id: str) -> list[str] | None:
        return self._values.get(program_key(program_id))

    def removed_exercises(self) -> frozenset[str]:
        return frozenset(
            k.split(".")[1]
            for k, v in self._values.items()
            if k.startswith("exercises.") and k.endswith(".removed") and v
        )

    # ---- writing

    def set(self, key: str, value: Any) -> None:
        """Validate and store a value; None (or the default) resets the key. Raises SettingError."""
        entry = self._entry(key)
        checked, why = entry.check(value)
        if why is None and checked is not None and self.catalog is not None:
            why = catalog_problem(key, checked, self.catalog)
        if why is not None:
            raise SettingError(f"{key}: {why}")
        old = self.get(key)
        if checked is None or (entry.templated and checked == entry.default):
            self._values.pop(key, None)
        else:
            self._values[key] = checked
        new = self.get(key)
        if new != old:
            self._notify(key, new)

    __setitem__ = set

    def reset(self, key: str) -> None:
        entry = self._entry(key)
        old = self.get(key)
        self._values.pop(key, None)
        if old != entry.default:
            self._notify(key, entry.default)

    def set_override(self, exercise_id: str, override: DoseOverride) -> None:
        for f in (*DOSE_FIELDS, "modification"):
            self.set(exercise_key(exercise_id, f), getattr(override, f))

    def update_from(self, other: Settings, since: Settings | None = None) -> list[str]:
        """Take ``other``'s values (a copy edited in a dialog); returns the changed keys.

        With ``since`` (the copy as it was first taken), only the keys ``other`` changed
        since then are taken, so values set here in the meantime are not undone."""
        keys = dict.fromkeys([*self._values, *other._values])
        if since is not None:
            keys = dict.fromkeys(
                k
                for k in dict.fromkeys([*since._values, *other._values])
                if since.get(k) != other.get(k)
            )
        changed = [k for k in keys if self.get(k) != other.get(k)]
        for key in changed:
            if key in other._values:
                self._values[key] = copy.deepcopy(other._values[key])
            else:
                self._values.pop(key, None)
            self._notify(key, self.get(key))
        return changed

    def copy(self) -> Settings:
        """A detached copy (same path, values and unknown keys; no observers)."""
        twin = Settings(self.path)
        twin._values = copy.deepcopy(self._values)
        twin._extra = copy.deepcopy(self._extra)
        twin.catalog = self.catalog
        twin.backup_pending = self.backup_pending
        twin.disk_digest = self.disk_digest
        twin.unwritable = self.unwritable
        return twin

    # ---- change notification

    def subscribe(self, callback: Observer, key: str | None = None) -> Callable[[], None]:
        """Call ``callback(key, new_value)`` when a value changes.

        ``key``: None for every key, an exact key, or a prefix ending in a dot
        (``"voice."``, ``"exercises.walking."``). Returns a function that unsubscribes.
        """
        pair = (key, callback)
        self._observers.append(pair)

        def unsubscribe() -> None:
            with suppress(ValueError):
                self._observers.remove(pair)

        return unsubscribe

    def _notify(self, key: str, value: Any) -> None:
        self._changed.add(key)
        for want, callback in list(self._observers):
            if want is None or want == key or (want.endswith(".") and key.startswith(want)):
                callback(key, value)

    def voice_config(self) -> VoiceConfig:
        return VoiceConfig(
            engine=self.get("voice.engine"),
            voice=self.get("voice.name"),
            rate=self.get("voice.rate"),
            volume=self.get("voice.volume"),
        )

    # ---- for the script

    def script_options(self, catalog: Catalog, program_id: str | None = None) -> ScriptOptions:
        """These settings as options for ``build_script``; values the catalogue rejects are
        left out (``catalog_problems`` lists them)."""
        from .script import DoseOverride, ScriptOptions

        pid = program_id or catalog.default_program
        overrides = {}
        for ex_id, ex in catalog.exercises.items():
            ov = self.exercise_override(ex_id)
            if ov.modification is not None and ex.modification(ov.modification) is None:
                ov = DoseOverride(**{f: getattr(ov, f) for f in DOSE_FIELDS})
            if ov != DoseOverride():
                overrides[ex_id] = ov
        order = self.program_order(pid)
        return ScriptOptions(
            overrides=overrides,
            order=tuple(i for i in order if i in catalog.exercises) if order is not None else None,
            removed=frozenset(i for i in self.removed_exercises() if i in catalog.exercises),
            count_aloud=self.get("speech.count_aloud"),
            countdown_last_s=self.get("speech.countdown_last_s"),
            change_position_s=float(self.get("timing.change_position_s")),
            floor_to_standing_s=float(self.get("timing.floor_to_standing_s")),
            words_per_minute=float(self.get("voice.rate")),
        )

    def catalog_problems(self, catalog: Catalog) -> list[str]:
        """Values that name exercises, modifications or programs this catalogue lacks."""
        name = self.path.name if self.path else "settings"
        out = []
        for key, value in self._values.items():
            why = catalog_problem(key, value, catalog)
            if why:
                out.append(f"{name}: {key}: {why}; ignored")
        return out

    # ---- storage

    def to_document(self) -> dict[str, Any]:
        """The JSON document to store: every global key, then overrides, then unknown keys."""
        doc: dict[str, Any] = {"version": VERSION}
        for entry in GLOBAL_ENTRIES:
            section, name = entry.key.split(".")
            doc.setdefault(section, {})[name] = copy.deepcopy(self.get(entry.key))
        for kind in ("exercises", "programs"):
            part: dict[str, dict[str, Any]] = {}
            for key, value in self._values.items():
                if key.startswith(kind + "."):
                    _, item_id, name = key.split(".")
                    part.setdefault(item_id, {})[name] = copy.deepcopy(value)
            doc[kind] = part
        _merge_unknown(doc, self._extra)
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_document(), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path | str | None = None) -> Path | None:
        """Write atomically; if the file on disk had problems, copy it aside first.

        Never silent and never over the user's file unseen: raises SettingsSaveError (an
        OSError) naming why when the file cannot be read, is not a regular file or is
        read-only (its mode is kept otherwise); hand edits made since it was read are
        merged (``last_save_notice`` says so). Returns the backup's path when one was made."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no settings file to save to")
        self.last_save_notice = None
        if self.unwritable and target == self.path:
            raise SettingsSaveError(self.unwritable)
        mode, current = _current_file(target)
        backup = None
        if self.backup_pending and current is not None:
            backup = backup_file(target)
        elif target == self.path and _digest(current) != self.disk_digest:
            backup = self._merge_hand_edits(target, current)
        text = self.to_json()
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a value that slipped past the checks
            raise SettingsSaveError(
                f"{target}: a setting holds text that is not valid: {exc}"
            ) from None
        atomic_write_text(target, text, mode=mode)
        self.path = target
        self.disk_digest = _digest(data)
        self._changed.clear()
        self.backup_pending = False
        self.last_backup = backup or self.last_backup
        return backup

    def _merge_hand_edits(self, target: Path, current: bytes | None) -> Path | None:
        """The file changed on disk since it was read: keep those edits, with this app's own
        changes on top. A file the edit broke is copied aside first."""
        if current is None:  # deleted by hand: nothing to keep
            return None
        disk = _parse(Settings(target), target, current)
        if disk.problems:
            backup = backup_file(target)
            self.last_save_notice = (
                f"{target.name} was changed outside the app and has problems "
                f"({disk.problems[0]}); it was kept as {backup.name}"
            )
            return backup
        mine = {k: copy.deepcopy(self._values.get(k)) for k in self._changed}
        theirs = disk.settings
        for key in dict.fromkeys([*self._values, *theirs._values]):
            if key in mine:
                continue
            if key in theirs._values:
                if self._values.get(key) != theirs._values[key]:
                    self._values[key] = copy.deepcopy(theirs._values[key])
                    self._notify(key, self.get(key))
            elif key in self._values:
                self._values.pop(key)
                self._notify(key, self.get(key))
        self._extra = theirs._extra
        self.last_save_notice = (
            f"{target.name} was changed outside the app while it ran: those changes were "
            "kept, with the app's own changes added"
        )
        return None

    # ---- loading (used by load_settings)

    def _absorb(self, doc: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        notices: list[str] = []

        def bad(where: str, why: str, using: str) -> None:
            problems.append(f"{name}: {where}: {why}; {using}")
            self.backup_pending = True

        def unknown(where: str, value: Any, path: list[str]) -> None:
            notices.append(f"{name}: {where}: unknown setting; kept in the file but not used")
            node = self._extra
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = copy.deepcopy(value)

        for top, value in doc.items():
            if top == "version":
                if value != VERSION:
                    if isinstance(value, int) and not isinstance(value, bool) and value > VERSION:
                        why = f"written by a newer version of the app (version {value})"
                    else:
                        why = f"must be {VERSION} (found {show(value)})"
                    problems.append(f"{name}: version: {why}; reading what this version knows")
                    self.backup_pending = True
                continue
            if top in SECTIONS or top in ("exercises", "programs"):
                if not isinstance(value, dict):
                    bad(top, f"must be an object (found {show(value)})", "using the defaults")
                    continue
                for sub, subvalue in value.items():
                    if top in SECTIONS:
                        self._absorb_one(f"{top}.{sub}", subvalue, bad, unknown, [top, sub])
                        continue
                    if not ID_PATTERN.match(sub):
                        unknown(f"{top}.{sub}", subvalue, [top, sub])
                        continue
                    if not isinstance(subvalue, dict):
                        why = f"must be an object (found {show(subvalue)})"
                        bad(f"{top}.{sub}", why, "ignored")
                        continue
                    for leaf, leafvalue in subvalue.items():
                        key = f"{top}.{sub}.{leaf}"
                        self._absorb_one(key, leafvalue, bad, unknown, [top, sub, leaf])
                continue
            unknown(top, value, [top])
        return problems, notices

    def _absorb_one(
        self,
        key: str,
        value: Any,
        bad: Callable[..., None],
        unknown: Callable[[str, Any, list[str]], None],
        path: list[str],
    ) -> None:
        entry = entry_for(key)
        if entry is None:
            unknown(key, value, path)
            return
        checked, why = entry.check(value)
        if why is not None:
            bad(key, why, f"using {show(entry.default)}")
        elif checked is not None and not (entry.templated and checked == entry.default):
            self._values[key] = checked

    def _entry(self, key: str) -> Entry:
        entry = entry_for(key)
        if entry is None:
            raise KeyError(f"unknown setting {key!r}")
        return entry


def catalog_problem(key: str, value: Any, catalog: Catalog) -> str | None:
    """Why a (type-checked) value does not fit the catalogue, or None."""
    parts = key.split(".")
    if parts[0] == "exercises" and len(parts) == 3:
        ex = catalog.exercises.get(parts[1])
        if ex is None:
            return f"there is no exercise {show(parts[1])} in the catalogue"
        if parts[2] == "modification" and value is not None and ex.modification(value) is None:
            known = ", ".join(show(m.id) for m in ex.modifications) or "none"
            return f"{show(value)} is not one of this exercise's versions (known: {known})"
    if parts[0] == "programs" and len(parts) == 3:
        if parts[1] not in catalog.programs:
            return f"there is no program {show(parts[1])} in the catalogue"
        missing = [i for i in value or () if i not in catalog.exercises]
        if missing:
            return f"unknown exercise {', '.join(map(show, missing))}"
    if key == "program.last" and value is not None and value not in catalog.programs:
        return f"there is no program {show(value)} in the catalogue"
    return None


def _merge_unknown(doc: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key in doc and isinstance(doc[key], dict) and isinstance(value, dict):
            _merge_unknown(doc[key], value)
        elif key not in doc:
            doc[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- dose helpers


def baseline_dose(catalog: Catalog, program_id: str, exercise_id: str) -> dict[str, int]:
    """The dose without the user's overrides: the program's, else the article's value."""
    ex = catalog.exercises[exercise_id]
    program = catalog.program(program_id)
    item = next((i for i in program.items if i.exercise_id == exercise_id), None)
    d = ex.dose
    article: dict[str, int | None] = {
        "sets": d.sets.value,
        "rest_s": d.rest_s.value,
    }
    if d.timed:
        article["duration_s"] = d.duration_s.value if d.duration_s else None
    else:
        article["reps"] = d.reps.value if d.reps else 1
        article["hold_s"] = d.hold_s.value
    out = {}
    for f, v in article.items():
        value = item.dose.get(f, v) if item else v
        if value is not None:
            out[f] = value
    return out


def baseline_modification(catalog: Catalog, program_id: str, exercise_id: str) -> str | None:
    item = next(
        (i for i in catalog.program(program_id).items if i.exercise_id == exercise_id), None
    )
    return item.modification if item else None


def effective_dose(
    settings: Settings, catalog: Catalog, program_id: str, exercise_id: str
) -> dict[str, int]:
    """The dose a session uses: the user's override, else the program's, else the article's."""
    base = baseline_dose(catalog, program_id, exercise_id)
    ov = settings.exercise_override(exercise_id)
    return {f: getattr(ov, f) if getattr(ov, f) is not None else v for f, v in base.items()}


def effective_modification(
    settings: Settings, catalog: Catalog, program_id: str, exercise_id: str
) -> str | None:
    mod = settings.get(exercise_key(exercise_id, "modification"))
    if mod is not None and catalog.exercises[exercise_id].modification(mod) is not None:
        return mod
    return baseline_modification(catalog, program_id, exercise_id)


def default_order(catalog: Catalog, program_id: str) -> list[str]:
    return [i.exercise_id for i in catalog.program(program_id).items if i.included]


def program_rows(settings: Settings, catalog: Catalog, program_id: str) -> list[tuple[str, bool]]:
    """Every exercise of the program (and any other the user added), in the user's order, with
    whether it runs: the run list first, then the left-out ones in the program's order."""
    order = settings.program_order(program_id)
    run = order if order is not None else default_order(catalog, program_id)
    run = [i for i in run if i in catalog.exercises]
    removed = settings.removed_exercises()
    rows = [(i, i not in removed) for i in run]
    rows += [
        (item.exercise_id, False)
        for item in catalog.program(program_id).items
        if item.exercise_id not in run and item.exercise_id in catalog.exercises
    ]
    return rows


def set_program_rows(
    settings: Settings, catalog: Catalog, program_id: str, rows: Sequence[tuple[str, bool]]
) -> None:
    """Store a Program-tab list: checked rows run in this order. An exercise removed by a
    symptom check stays removed while unchecked, and keeps its place in the order."""
    removed = settings.removed_exercises()
    before = {i for i, _ in program_rows(settings, catalog, program_id) if i in removed}
    was_in_run = set(settings.program_order(program_id) or default_order(catalog, program_id))
    order = []
    for ex_id, checked in rows:
        if checked:
            order.append(ex_id)
            if ex_id in removed:
                settings.set(exercise_key(ex_id, "removed"), False)
        elif ex_id in before and ex_id in was_in_run:
            order.append(ex_id)
    settings.set(
        program_key(program_id), None if order == default_order(catalog, program_id) else order
    )


# --------------------------------------------------------------------------- files


MAX_FILE_BYTES = 1024 * 1024  # a settings file is a few KB; this is far beyond any real one


def load_settings(path: Path | str) -> LoadedSettings:
    """Read settings.json. Never raises for a bad file: see the module's docstring."""
    path = Path(path)
    settings = Settings(path)
    try:
        raw = read_limited(path, MAX_FILE_BYTES, what="settings file")
    except FileNotFoundError:
        return LoadedSettings(settings)
    except FileProblem as exc:
        settings.unwritable = (
            f"{path}: {exc.reason}; it was left as it is and settings are not saved over it "
            "until it can be read"
        )
        return LoadedSettings(
            settings,
            [f"{path}: {exc.reason}; using the default settings. The file is left as it is"],
        )
    return _parse(settings, path, raw)


def _parse(settings: Settings, path: Path, raw: bytes) -> LoadedSettings:
    settings.disk_digest = _digest(raw)
    try:
        doc = strict_json.loads(decode_utf8(raw))
    except ValueError as exc:
        return _unusable(settings, path, str(exc))
    if not isinstance(doc, dict):
        return _unusable(settings, path, f"must hold a JSON object {{...}}, not {show(doc)}")
    problems, notices = settings._absorb(doc, path.name)
    settings._changed.clear()
    return LoadedSettings(settings, problems, notices)


def _digest(raw: bytes | None) -> str | None:
    return None if raw is None else sha256(raw).hexdigest()


def _current_file(target: Path) -> tuple[int | None, bytes | None]:
    """The file's permission bits and bytes as they are now (None, None: no file yet);
    SettingsSaveError when it must not be replaced."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise SettingsSaveError(f"{target}: cannot check the file ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise SettingsSaveError(f"{target} is {kind_of(st.st_mode)}, not a file; nothing saved")
    if not st.st_mode & 0o222:
        raise SettingsSaveError(
            f"{target} is read-only, so your settings were not saved; make it writable to save"
        )
    try:
        current = read_limited(target, MAX_FILE_BYTES, what="settings file")
    except (FileNotFoundError, FileProblem) as exc:
        raise SettingsSaveError(f"cannot save the settings: {exc}") from None
    return stat.S_IMODE(st.st_mode), current


class SettingsSaveError(OSError):
    """Settings were not written; the message says why and what to do."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "settings not saved"


def _unusable(settings: Settings, path: Path, why: str) -> LoadedSettings:
    settings.backup_pending = True
    return LoadedSettings(
        settings,
        [
            f"{path}: {why}; using the default settings. The file is left as it is and will "
            f"be kept as {path.name}.bad-<date> when you next save"
        ],
    )


def backup_file(path: Path) -> Path:
    """Copy ``path`` to ``<name>.bad-<timestamp>`` beside it (never overwriting a backup)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
        n += 1
    shutil.copy2(path, target)
    return target


def atomic_write_text(path: Path | str, text: str, *, mode: int | None = None) -> None:
    """Write a temporary file in the same folder, fsync it, then ``os.replace`` the target
    (with ``mode``, the replaced file's permission bits are kept)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with suppress(OSError):
            dir_fd = os.open(path.parent, os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


# --------------------------------------------------------------------------- docs


def _doc_default(entry: Entry) -> str:
    if entry.default is None:
        if entry.templated:
            return "null (the program's, else the article's)"
        return "null"
    return f"`{show(entry.default)}`"


def _doc_rows(entries: Iterable[Entry], key: Callable[[Entry], str]) -> list[str]:
    rows = ["| Key | Allowed | Default | Description |", "|---|---|---|---|"]
    for e in entries:
        allowed = e.allowed() + (", or null" if e.nullable else "")
        rows.append(f"| `{key(e)}` | {allowed} | {_doc_default(e)} | {e.description} |")
    return rows


def markdown_doc() -> str:
    """docs/settings.md, generated from ENTRIES."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from stenosis_player/settings.py by "
        "`python -m stenosis_player.settings --doc > docs/settings.md`; do not edit. -->",
        "",
        "The player keeps your settings in `settings.json` in your user configuration folder "
        "(`~/.config/stenosis-player/` on Linux; all under `--data-dir PATH/config/` when "
        "that option is given). The settings dialog (Ctrl+,) changes them; the file is plain "
        "JSON and may also be edited by hand.",
        "",
        "```json",
        json.dumps(
            {
                "version": VERSION,
                "voice": {"rate": 130},
                "exercises": {"walking": {"duration_s": 600}},
                "programs": {"step-by-step": {"order": ["walking", "lumbar-flexion-lying"]}},
            },
            indent=2,
        ),
        "```",
        "",
        "A key that is missing takes its default. If the file is not valid JSON, the player "
        "uses the default settings; if one entry is wrong (a number out of range, text where "
        "a number belongs) that entry alone takes its default. Either way the player says "
        "what it found, leaves the file as it is until you save, and then first keeps a copy "
        "of the old file as `settings.json.bad-<date>-<time>`. Keys it does not know are "
        "reported, kept and written back unchanged. Saving replaces the file in one step, so "
        "a crash cannot leave half a file.",
        "",
    ]
    for group in dict.fromkeys(e.group for e in GLOBAL_ENTRIES):
        lines += [f"## {group}", ""]
        lines += _doc_rows((e for e in GLOBAL_ENTRIES if e.group == group), lambda e: e.key)
        lines.append("")
    lines += [
        "## Per exercise",
        "",
        "Under `exercises`, one object per exercise id (see `exercises.json`). A value left "
        "out, or null, keeps the program's dose, else the article's.",
        "",
    ]
    lines += _doc_rows(EXERCISE_ENTRIES.values(), lambda e: e.key.replace("*", "<exercise-id>"))
    lines += [
        "",
        "## Per program",
        "",
        "Under `programs`, one object per program id.",
        "",
    ]
    lines += _doc_rows(PROGRAM_ENTRIES.values(), lambda e: e.key.replace("*", "<program-id>"))
    lines += [
        "",
        "## Sharing a program",
        "",
        "*Export program…* in the settings dialog writes the program with your changes "
        "(order, left-out exercises, doses, easier versions) as a file in the format of "
        "`exercises.json`, for a therapist to review or for another computer. *Import "
        "program…* checks such a file as strictly as the catalogue and makes its doses and "
        "order your settings for the program; exercises your catalogue does not have are "
        "listed and skipped. Pictures are not included in an exported file.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m stenosis_player.settings", description="Stenosis Player settings."
    )
    p.add_argument("--doc", action="store_true", help="print docs/settings.md (Markdown)")
    p.add_argument("--check", metavar="PATH", help="check a settings.json and list its problems")
    args = p.parse_args(argv)
    if args.doc:
        sys.stdout.write(markdown_doc())
        return 0
    if args.check:
        loaded = load_settings(args.check)
        for message in loaded.messages:
            print(message)
        if not loaded.problems:
            print(f"{args.check}: OK")
        return 1 if loaded.problems else 0
    p.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
