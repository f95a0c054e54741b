"""What an enrolment found: per take what was heard, per phrase a summary ("heard 3 of 3"),
the room's noise and the voice's level in words a user understands, and advice."""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..commands import DEFAULT_LEADING_WORD, Command, phrase_table
from .levels import SAMPLE_RATE, TakeAudio
from .plan import PlannedTake

# Advice: speech this far above the noise is what the recogniser handles well (the held-out
# figures fall off below 20 dB SNR); a level below QUIET_SPEECH_DB (-40 dBFS) is a voice far
# from the microphone; a room quieter than QUIET_ROOM_DB is not the problem.
LOW_SNR_DB = 15.0
CLEAR_SNR_DB = 25.0  # the voice stands out clearly
QUIET_SPEECH_DB = 50.0
VERY_QUIET_ROOM_DB = 25.0  # below this the microphone hears next to nothing (or silence)
QUIET_ROOM_DB = 40.0
LOUD_ROOM_DB = 55.0  # speech at 1-2 m is about 60-70 dB: this is as loud as a voice

ADVICE_NOISE = "lower the TV or radio, or move the laptop closer"
ADVICE_QUIET = "move closer or speak up"
ADVICE_MISSED = "say it a little slower, with no pause after the leading word"

#: Which recogniser heard the takes, in the words Settings uses.
HEARD_BY = {
    "neural": "the recogniser tuned to your other recordings",
    "sphinx": "the standard recogniser",
}


class Outcome(enum.Enum):
    RIGHT = "right"  # the command asked for was heard
    OTHER = "other"  # only another command was heard
    NOTHING = "nothing"  # no command was heard


@dataclass(frozen=True)
class TakeResult:
    """One take: what was asked, what the recogniser heard, and the levels."""

    command: Command
    phrase: str
    number: int
    heard: tuple[str, ...]
    noise_db: float
    speech_db: float | None
    speech_start_s: float = 0.0
    speech_end_s: float = 0.0
    audio: TakeAudio | None = None  # None once the recordings are forgotten, or unreadable
    leading_word: str = DEFAULT_LEADING_WORD
    #: The recogniser that heard it ("neural": the network adapted to the other takes;
    #: "sphinx": pocketsphinx, what listens with another leading word).
    heard_by: str = "sphinx"

    @property
    def heard_commands(self) -> list[Command]:
        lookup = {p: c for c, ps in phrase_table(self.leading_word).items() for p in ps}
        return [lookup[p] for p in self.heard if p in lookup]

    @property
    def outcome(self) -> Outcome:
        commands = self.heard_commands
        if self.command in commands:
            return Outcome.RIGHT
        return Outcome.OTHER if commands else Outcome.NOTHING

    @property
    def other_phrase(self) -> str | None:
        """What was heard instead, for an OTHER take."""
        if self.outcome is not Outcome.OTHER:
            return None
        return self.heard[0]

    @property
    def snr_db(self) -> float | None:
        return None if self.speech_db is None else self.speech_db - self.noise_db


def take_result(
    planned: PlannedTake,
    audio: TakeAudio,
    heard: tuple[str, ...],
    leading_word: str = DEFAULT_LEADING_WORD,
    heard_by: str = "sphinx",
) -> TakeResult:
    return TakeResult(
        planned.command,
        planned.phrase,
        planned.number,
        heard,
        audio.noise_db,
        audio.speech_db,
        round(audio.speech_start / SAMPLE_RATE, 3),
        round(audio.speech_end / SAMPLE_RATE, 3),
        audio,
        leading_word,
        heard_by,
    )


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


@dataclass(frozen=True)
class CommandSummary:
    """The takes of one phrase."""

    command: Command
    phrase: str
    takes: tuple[TakeResult, ...]

    @property
    def right(self) -> int:
        return sum(t.outcome is Outcome.RIGHT for t in self.takes)

    @property
    def text(self) -> str:
        """'heard 3 of 3', or 'heard 1 of 3 (once as “player back”, once not at all)'."""
        text = f"heard {self.right} of {len(self.takes)}"
        others: dict[str, int] = {}
        nothing = 0
        for t in self.takes:
            if t.outcome is Outcome.OTHER:
                others[t.other_phrase or ""] = others.get(t.other_phrase or "", 0) + 1
            elif t.outcome is Outcome.NOTHING:
                nothing += 1
        wrong = [f"{_times(n)} as “{p}”" for p, n in others.items()]
        if nothing:
            wrong.append(f"{_times(nothing)} not at all")
        return text + (f" ({', '.join(wrong)})" if wrong else "")


def room_words(noise_db: float) -> str:
    """The room's noise as a user would say it."""
    if noise_db < VERY_QUIET_ROOM_DB:
        return "A very quiet room"
    if noise_db < QUIET_ROOM_DB:
        return "A quiet room"
    if noise_db < LOUD_ROOM_DB:
        return "Some background noise"
    return "A loud room (as loud as a voice)"


def voice_words(snr_db: float) -> str:
    """How far the voice stood out from the room, as a user would say it."""
    if snr_db >= CLEAR_SNR_DB:
        return "your voice stood out clearly"
    if snr_db >= LOW_SNR_DB:
        return "your voice stood out well enough"
    return "your voice was hardly louder than the noise"


@dataclass(frozen=True)
class EnrolmentResult:
    """A whole enrolment: its takes, per-phrase summaries, the noise and advice."""

    created: datetime
    leading_word: str
    takes: tuple[TakeResult, ...]
    planned: int = 0  # takes planned (0: as many as there are)
    recordings_forgotten: datetime | None = None
    #: What could not be read back (a missing or damaged recording), one line each.
    problems: tuple[str, ...] = field(default=(), compare=False)
    #: The enrolment folder it was loaded from (None: not saved yet); the listening network's
    #: adapted layer is cached there (adapt_cache.py).
    folder: Path | None = field(default=None, compare=False)

    @property
    def complete(self) -> bool:
        return len(self.takes) >= self.planned

    @property
    def heard_by(self) -> str:
        """The recogniser whose hearing the results are ("neural" or "sphinx")."""
        kinds = {t.heard_by for t in self.takes if t.speech_db is not None}
        return "neural" if kinds == {"neural"} else "sphinx"

    def commands(self) -> list[CommandSummary]:
        """One summary per phrase said ("player back" and "player repeat" apart), in the
        order they were said."""
        order: dict[tuple[Command, str], list[TakeResult]] = {}
        for t in self.takes:
            order.setdefault((t.command, t.phrase), []).append(t)
        return [CommandSummary(c, p, tuple(ts)) for (c, p), ts in order.items()]

    @property
    def noise_db(self) -> float | None:
        """The room's level: the median of the noise measured before each take."""
        values = [t.noise_db for t in self.takes]
        return round(statistics.median(values), 1) if values else None

    @property
    def speech_db(self) -> float | None:
        values = [t.speech_db for t in self.takes if t.speech_db is not None]
        return round(statistics.median(values), 1) if values else None

    @property
    def snr_db(self) -> float | None:
        """How far the voice stood above the room (the median over takes with speech)."""
        values = [t.snr_db for t in self.takes if t.snr_db is not None]
        return round(statistics.median(values), 1) if values else None

    @property
    def right(self) -> int:
        return sum(t.outcome is Outcome.RIGHT for t in self.takes)

    def noise_is_high(self) -> bool:
        snr, noise = self.snr_db, self.noise_db
        return snr is not None and noise is not None and snr < LOW_SNR_DB and noise >= QUIET_ROOM_DB

    def speech_is_quiet(self) -> bool:
        speech, snr, noise = self.speech_db, self.snr_db, self.noise_db
        if speech is None:
            return False
        if speech < QUIET_SPEECH_DB:
            return True
        return snr is not None and snr < LOW_SNR_DB and (noise or 0) < QUIET_ROOM_DB

    def missed(self) -> list[CommandSummary]:
        return [c for c in self.commands() if c.right < len(c.takes)]

    def advice(self) -> list[str]:
        """What to do, most useful first; one line when all went well."""
        lines: list[str] = []
        if self.takes and self.speech_db is None:
            if (self.noise_db or 0) >= LOUD_ROOM_DB:  # a voice would not stand out from it
                return [f"No command could be told apart from the noise: {ADVICE_NOISE}."]
            return [
                "No speech reached the microphone: check that the right microphone is chosen "
                "in the system's sound settings and that it is not muted."
            ]
        if self.noise_is_high():
            lines.append(
                f"The room is too noisy for voice commands to hear you well: {ADVICE_NOISE}."
            )
        if self.speech_is_quiet():
            lines.append(f"Your voice was quiet at the microphone: {ADVICE_QUIET}.")
        missed = self.missed()
        if missed:
            names = " and ".join(f"“{c.phrase}”" for c in missed)
            advice = ADVICE_MISSED
            if all(c.command is Command.IT_HURTS for c in missed):
                advice = "say it a little slower"
            lines.append(f"For {names}: {advice} (“{self.leading_word}”).")
        if not lines:
            lines.append("Every command was heard. Voice commands should work well here.")
        return lines

    def summary_lines(self) -> list[str]:
        """Per phrase, '“player next”: heard 3 of 3'."""
        return [f"“{c.phrase}”: {c.text}" for c in self.commands()]

    def level_text(self) -> str:
        """The room and the voice in words: 'A quiet room; your voice stood out clearly'."""
        if self.noise_db is None:
            return ""
        text = room_words(self.noise_db)
        if self.snr_db is not None and self.noise_db >= VERY_QUIET_ROOM_DB:
            text += f"; {voice_words(self.snr_db)}"  # (over near-silence any voice does)
        return text

    @property
    def has_recordings(self) -> bool:
        return any(t.audio is not None for t in self.takes)

    def takes_with_phrases(self) -> list[tuple[Command, str, TakeAudio]]:
        """Each recording with what the user was asked to say in it (its transcript, for
        adaptation), in the order recorded; takes without speech or recording left out."""
        return [
            (t.command, t.phrase, t.audio)
            for t in self.takes
            if t.audio is not None and not t.audio.timed_out
        ]

    def takes_by_command(self) -> dict[Command, list[TakeAudio]]:
        """The recordings per command (for the recogniser to adapt to this voice); takes
        whose recording is gone are left out."""
        out: dict[Command, list[TakeAudio]] = {}
        for t in self.takes:
            if t.audio is not None and not t.audio.timed_out:
                out.setdefault(t.command, []).append(t.audio)
        return out
