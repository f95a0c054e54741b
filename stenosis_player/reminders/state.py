"""The schedule's memory on disk: ``reminder-state.json`` in the data folder.

A missing or unreadable file is an empty state (at worst one reminder repeats); it is
replaced atomically, so a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path

from .schedule import State

FILE_NAME = "reminder-state.json"


def state_file(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def load_state(path: Path) -> State:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return State()
    if not isinstance(doc, dict):
        return State()
    state = State()
    with suppress(TypeError, ValueError):
        state.fired = {str(s) for s in doc.get("fired", []) if _is_slot(s)}
    state.snoozed_until = _instant(doc.get("snoozed_until"))
    state.snooze_day = _day(doc.get("snooze_day"))
    state.not_today = _day(doc.get("not_today"))
    state.since = _day(doc.get("since"))
    return state


def save_state(path: Path, state: State) -> None:
    doc = {
        "fired": sorted(state.fired),
        "snoozed_until": state.snoozed_until.isoformat() if state.snoozed_until else None,
        "snooze_day": state.snooze_day.isoformat() if state.snooze_day else None,
        "not_today": state.not_today.isoformat() if state.not_today else None,
        "since": state.since.isoformat() if state.since else None,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _is_slot(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 16:
        return False
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return value[10] == "T"


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None
