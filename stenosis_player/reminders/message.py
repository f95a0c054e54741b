"""What a reminder says: the program and how long it takes, worded kindly.

``describe_session`` loads the catalogue and builds the script (so the minutes are the
user's own, with their settings); it runs only in the process that shows a reminder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TITLE = "Time for your back exercises"
GENTLE_TITLE = "A new day for your back exercises"


@dataclass(frozen=True)
class Reminder:
    title: str
    body: str
    program_id: str | None  # None: the player's own choice

    def text(self) -> str:
        return f"{self.title}: {self.body}"


def compose(
    program_name: str | None,
    minutes: int | None,
    *,
    gentle: bool = False,
    snoozed: bool = False,
    program_id: str | None = None,
) -> Reminder:
    """The words. ``gentle``: the day before was a planned day without a session."""
    what = program_name or "your program"
    if minutes:
        what += f", about {minutes} minute{'s' if minutes != 1 else ''}"
    if gentle:
        body = (
            f"The last planned day slipped by, and that is all right. Today is a fresh "
            f"start: {what}."
        )
        return Reminder(GENTLE_TITLE, body, program_id)
    if snoozed:
        return Reminder(TITLE, f"Ready now? {what}.", program_id)
    return Reminder(TITLE, f"{what}.", program_id)


def describe_session(
    exercises: str | None, settings_file: Path | None
) -> tuple[str | None, str | None, int | None]:
    """(program id, program name, minutes) with the user's settings; Nones where the
    catalogue cannot be read (the reminder then says "your program")."""
    try:
        from ..catalog import CatalogError, load_catalog
        from ..script import build_script

        catalog = load_catalog(exercises)
    except (ImportError, CatalogError, OSError):
        return None, None, None
    settings = None
    if settings_file is not None:
        try:
            from ..settings import load_settings

            settings = load_settings(settings_file).settings
        except (ImportError, OSError):
            settings = None
    program_id = settings.get("program.last") if settings is not None else None
    if program_id not in catalog.programs:
        program_id = catalog.default_program
    program = catalog.programs[program_id]
    try:
        if settings is not None:
            opts = settings.script_options(catalog, program_id)
            script = build_script(catalog, program_id, opts)
        else:
            script = build_script(catalog, program_id)
    except (ValueError, KeyError):
        return program_id, program.name, None
    return program_id, program.name, max(1, round(script.total / 60))
