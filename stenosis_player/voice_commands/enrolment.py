"""Teaching the voice commands the user's own voice: "say each command three times".

An enrolment is a list of takes (:func:`enrolment_plan`): each command's first phrase from
``commands.phrase_table(leading_word)``, three times in a row. For each take
:class:`TakeListener` records from an audio source until the burst of speech ends (or a
timeout), runs the recording through a fresh :class:`~.recognizer.CommandRecognizer` and
keeps what was heard (the right command, another one, or nothing), the take's speech level
and the noise level before it. :class:`EnrolmentResult` sums that up per command ("heard 3
of 3", "heard 1 of 3; heard “player back” once, nothing once"), estimates the room's noise
and gives advice (lower the TV, move closer, say it slower).

Levels are in dB of the 16-bit scale, as the recogniser's pause detector measures them:
full scale is 90 dB, a quiet room is about 30-40 dB at a laptop's microphone.

Where it is kept (the user's voice: only on this computer, in the app's data folder)::

    <data_dir>/voice_enrolment/enrolment.json          the results (written atomically)
    <data_dir>/voice_enrolment/takes-<stamp>/*.wav     each take, 16 kHz mono s16 PCM

A new enrolment is written into a new ``takes-`` folder first; replacing ``enrolment.json``
is the one step that makes it current, so a crash leaves the old enrolment or the new one.
:func:`forget_recordings` deletes the audio and keeps the results, marked as forgotten.

For the recogniser (adapting to the user's voice)::

    from stenosis_player.voice_commands.enrolment import load_enrolment

    saved = load_enrolment(paths.data_dir)   # None: never enrolled; EnrolmentFileProblem: damaged
    if saved is not None:
        takes = saved.takes_by_command()     # dict[Command, list[TakeAudio]], recordings only
        for command, audios in takes.items():
            for audio in audios:
                audio.pcm                    # bytes, 16 kHz mono signed 16-bit little-endian
                audio.samples()              # the same as a numpy int16 array
                audio.speech_start, audio.speech_end   # the burst of speech, in samples
        saved.leading_word                   # the leading word the takes were said with
        saved.takes_with_phrases()           # [(Command, "player next", TakeAudio), ...]

Qt-free; time comes from the audio itself (samples fed) or an injected clock.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import math
import os
import re
import shutil
import statistics
import tempfile
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .commands import DEFAULT_LEADING_WORD, Command, phrase_table, validate_leading_word

SAMPLE_RATE = 16000
FRAME = 480  # 30 ms, as the recogniser's pause detector
TAKES_PER_COMMAND = 3
FOLDER_NAME = "voice_enrolment"
RESULT_FILE = "enrolment.json"
FORMAT = 1
RESULT_LIMIT = 1024 * 1024  # enrolment.json: a few KB; more is not ours
WAV_LIMIT = 2 * 1024 * 1024  # a take is at most ~8 s (256 KB)

# Advice: speech this far above the noise is what the recogniser handles well (the held-out
# figures fall off below 20 dB SNR); a level below QUIET_SPEECH_DB (-40 dBFS) is a voice far
# from the microphone; a room quieter than QUIET_ROOM_DB is not the problem.
LOW_SNR_DB = 15.0
QUIET_SPEECH_DB = 50.0
QUIET_ROOM_DB = 40.0
LOUD_ROOM_DB = 55.0  # speech at 1-2 m is about 60-70 dB: this is as loud as a voice

ADVICE_NOISE = "lower the TV or radio, or move the laptop closer"
ADVICE_QUIET = "move closer or speak up"
ADVICE_MISSED = "say it a little slower, with no pause after the leading word"


class EnrolmentFileProblem(Exception):
    """The saved enrolment cannot be read; ``str()`` names the file and what is wrong. The
    file is left as it is."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class Outcome(enum.Enum):
    RIGHT = "right"  # the command asked for was heard
    OTHER = "other"  # only another command was heard
    NOTHING = "nothing"  # no command was heard


@dataclass(frozen=True)
class PlannedTake:
    command: Command
    phrase: str  # what the user is asked to say
    number: int  # 1 .. takes per command


def enrolment_plan(
    leading_word: str = DEFAULT_LEADING_WORD,
    commands: Iterable[Command] | None = None,
    takes: int = TAKES_PER_COMMAND,
) -> list[PlannedTake]:
    """Each command's shown phrase, ``takes`` times in a row, in the order of the help."""
    table = phrase_table(leading_word)
    chosen = list(commands) if commands is not None else list(Command)
    return [PlannedTake(cmd, table[cmd][0], n) for cmd in chosen for n in range(1, takes + 1)]


# --------------------------------------------------------------------------- levels


def level_db(pcm: bytes) -> float:
    """The RMS level of 16-bit PCM in dB (full scale 90 dB; digital silence 0 dB)."""
    import numpy as np

    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float64)
    if not len(x):
        return 0.0
    return 10 * math.log10(max(float(np.mean(x * x)), 1.0))


def _frame_levels(pcm: bytes) -> list[float]:
    import numpy as np

    x = np.frombuffer(pcm[: len(pcm) // (2 * FRAME) * 2 * FRAME], "<i2").astype(np.float64)
    if not len(x):
        return []
    power = np.mean(x.reshape(-1, FRAME) ** 2, axis=1)
    return [float(v) for v in 10 * np.log10(np.maximum(power, 1.0))]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _power_mean_db(values: list[float]) -> float:
    return 10 * math.log10(sum(10 ** (v / 10) for v in values) / len(values))


@dataclass(frozen=True)
class TakeAudio:
    """One take's recording and what was measured in it."""

    pcm: bytes  # 16 kHz mono signed 16-bit little-endian
    speech_start: int  # sample where the burst of speech starts (0 when none was found)
    speech_end: int  # sample where it ends
    noise_db: float  # the level before the speech (the room)
    speech_db: float | None  # the burst's level; None: no speech found (timed out)

    @property
    def timed_out(self) -> bool:
        return self.speech_db is None

    @property
    def snr_db(self) -> float | None:
        return None if self.speech_db is None else self.speech_db - self.noise_db

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE

    def samples(self):
        """The recording as a numpy int16 array."""
        import numpy as np

        return np.frombuffer(self.pcm, "<i2").copy()


def _frames(seconds: float) -> int:
    return max(1, round(seconds * SAMPLE_RATE / FRAME))


class TakeRecorder:
    """Cuts one take out of a stream of PCM blocks: waits for a burst of speech (a level
    well above the noise measured before it) and ends after a pause, or at a timeout.

    Time is the audio's own: samples fed, so a WAV read at full speed and a microphone in
    real time give the same take."""

    def __init__(
        self,
        *,
        timeout_s: float = 7.0,  # no speech by then: the take is empty
        end_pause_s: float = 0.8,  # this much quiet ends the burst (a pause after "player" is shorter)
        max_speech_s: float = 4.0,  # a burst longer than this is cut (a TV talking on)
        lead_in_s: float = 0.25,  # noise is measured this long before speech may start
        keep_before_s: float = 1.0,  # the take keeps this much audio before the speech
        onset_db: float = 10.0,  # speech starts this far above the noise ...
        hold_db: float = 6.0,  # ... and goes on while this far above it
        min_speech_db: float = 35.0,  # and above this level at all
    ) -> None:
        self._timeout = _frames(timeout_s)
        self._end_pause = _frames(end_pause_s)
        self._max_speech = _frames(max_speech_s)
        self._lead_in = _frames(lead_in_s)
        self._keep_before = _frames(keep_before_s)
        self.onset_db, self.hold_db, self.min_speech_db = onset_db, hold_db, min_speech_db
        self._pcm = bytearray()
        self._levels: list[float] = []  # per 30 ms frame
        self._onset: int | None = None  # frame where speech started
        self._last_speech = 0  # last frame that was speech
        self._run = 0  # frames in a row above the onset level
        self.level_db = 0.0  # the last block's level, for a meter
        self.done: TakeAudio | None = None

    def _noise(self, upto: int) -> float:
        before = self._levels[max(0, upto - 100) : upto]  # the last 3 s before ``upto``
        return _percentile(before, 0.5) if before else 0.0

    def feed(self, pcm: bytes) -> TakeAudio | None:
        """Add a block; returns the take once it is complete (and then keeps returning it)."""
        if self.done is not None:
            return self.done
        self.level_db = level_db(pcm)
        start = len(self._pcm) // (2 * FRAME)
        self._pcm += pcm
        levels = _frame_levels(bytes(self._pcm[start * 2 * FRAME :]))
        for level in levels:
            i = len(self._levels)
            self._levels.append(level)
            if self._onset is None:
                self._look_for_onset(i, level)
                if self._onset is None and i + 1 >= self._timeout:
                    return self._finish(timed_out=True)
            else:
                noise = self._noise(self._onset)
                if level >= max(noise + self.hold_db, self.min_speech_db - 4):
                    self._last_speech = i
                if i - self._last_speech >= self._end_pause or i - self._onset >= self._max_speech:
                    return self._finish(timed_out=False)
        return None

    def _look_for_onset(self, i: int, level: float) -> None:
        if i < self._lead_in:
            return
        noise = self._noise(i - self._run)
        if level >= max(noise + self.onset_db, self.min_speech_db):
            self._run += 1
        else:
            self._run = 0
        if self._run >= 3:  # 90 ms above: speech, not a click
            self._onset = i - self._run + 1
            self._last_speech = i

    def finish(self) -> TakeAudio:
        """The stream ended: the take as it is."""
        if self.done is not None:
            return self.done
        return self._finish(timed_out=self._onset is None)

    def _finish(self, timed_out: bool) -> TakeAudio:
        n = len(self._levels)
        if timed_out or self._onset is None:
            noise = _percentile(self._levels, 0.5) if self._levels else 0.0
            self.done = TakeAudio(bytes(self._pcm), 0, 0, noise, None)
            return self.done
        onset, end = self._onset, min(n, self._last_speech + 1)
        # speech from the first moment: the quietest frames of the take are the room
        noise = self._noise(onset) if onset >= self._lead_in else _percentile(self._levels, 0.1)
        speech = [v for v in self._levels[onset:end] if v >= noise + self.hold_db] or [
            max(self._levels[onset:end])
        ]
        first = max(0, onset - self._keep_before)
        pcm = bytes(self._pcm[first * 2 * FRAME :])
        self.done = TakeAudio(
            pcm,
            (onset - first) * FRAME,
            (end - first) * FRAME,
            round(noise, 1),
            round(_power_mean_db(speech), 1),
        )
        return self.done


# --------------------------------------------------------------------------- recognition


def recognise_take(
    audio: TakeAudio, leading_word: str = DEFAULT_LEADING_WORD, recognizer_factory=None
) -> tuple[str, ...]:
    """The phrases a fresh recogniser hears in the take (yes and no count: a question is
    taken as open). Raises RecognizerError when pocketsphinx is missing."""
    if recognizer_factory is None:
        from .recognizer import CommandRecognizer

        recognizer_factory = CommandRecognizer
    recognizer = recognizer_factory(leading_word=leading_word)
    try:
        recognizer.set_question_open(True)
        heard = []
        step = int(0.1 * SAMPLE_RATE) * 2
        for i in range(0, len(audio.pcm), step):
            heard += recognizer.feed(audio.pcm[i : i + step])
        heard += recognizer.flush()
    finally:
        recognizer.close()
    return tuple(h.phrase for h in heard)


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
    )


class TakeListener:
    """Feeds on a stream of blocks (all of it, for the level meter) and records the take it
    is asked for with :meth:`listen`; :meth:`feed` returns that take's result once it is
    recorded and recognised. ``listen`` and ``cancel`` may be called from another thread."""

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        *,
        recorder_factory: Callable[[], TakeRecorder] = TakeRecorder,
        recognise: Callable[[TakeAudio, str], tuple[str, ...]] = recognise_take,
    ) -> None:
        self.leading_word = validate_leading_word(leading_word)
        self._recorder_factory = recorder_factory
        self._recognise = recognise
        self._asked: PlannedTake | None = None
        self._taking: tuple[PlannedTake, TakeRecorder] | None = None
        self.level_db = 0.0

    def listen(self, planned: PlannedTake) -> None:
        self._asked = planned

    def cancel(self) -> None:
        self._asked = None

    @property
    def busy(self) -> bool:
        return self._asked is not None

    def feed(self, pcm: bytes) -> TakeResult | None:
        self.level_db = level_db(pcm)
        asked = self._asked
        if asked is None:
            self._taking = None
            return None
        if self._taking is None or self._taking[0] is not asked:
            self._taking = (asked, self._recorder_factory())
        audio = self._taking[1].feed(pcm)
        return None if audio is None else self._done(asked, audio)

    def end_of_stream(self) -> TakeResult | None:
        """The source ended: the take asked for, as far as it got (None if none was)."""
        asked = self._asked
        if asked is None:
            return None
        if self._taking is None or self._taking[0] is not asked:
            self._taking = (asked, self._recorder_factory())
        return self._done(asked, self._taking[1].finish())

    def _done(self, asked: PlannedTake, audio: TakeAudio) -> TakeResult:
        heard = () if audio.timed_out else self._recognise(audio, self.leading_word)
        if self._asked is asked:
            self._asked = None
        self._taking = None
        return take_result(asked, audio, heard, self.leading_word)


def run_takes(
    blocks: Iterable[bytes],
    plan: list[PlannedTake],
    leading_word: str = DEFAULT_LEADING_WORD,
    **listener_options,
) -> list[TakeResult]:
    """Record the planned takes one after another from one stream (a WAV with the takes in a
    row, say). Takes the stream does not reach are left out."""
    listener = TakeListener(leading_word, **listener_options)
    it: Iterator[bytes] = iter(blocks)
    results: list[TakeResult] = []
    for planned in plan:
        listener.listen(planned)
        for block in it:
            result = listener.feed(block)
            if result is not None:
                results.append(result)
                break
        else:
            last = listener.end_of_stream()
            if last is not None and last.audio is not None and last.audio.pcm:
                results.append(last)
            break
    return results


class MicrophoneWatch:
    """Notices a microphone that stopped delivering sound, on an injected monotonic clock:
    call :meth:`block_arrived` per block, ask :meth:`stalled` from a timer."""

    def __init__(self, clock: Callable[[], float], limit_s: float = 3.0) -> None:
        self.clock = clock
        self.limit_s = limit_s
        self._last = clock()

    def block_arrived(self) -> None:
        self._last = self.clock()

    def silent_for(self) -> float:
        return self.clock() - self._last

    def stalled(self) -> bool:
        return self.silent_for() > self.limit_s


# --------------------------------------------------------------------------- results


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


@dataclass(frozen=True)
class CommandSummary:
    command: Command
    phrase: str
    takes: tuple[TakeResult, ...]

    @property
    def right(self) -> int:
        return sum(t.outcome is Outcome.RIGHT for t in self.takes)

    @property
    def text(self) -> str:
        """'heard 3 of 3', or 'heard 1 of 3; heard “player back” once, nothing once'."""
        text = f"heard {self.right} of {len(self.takes)}"
        others: dict[str, int] = {}
        nothing = 0
        for t in self.takes:
            if t.outcome is Outcome.OTHER:
                others[t.other_phrase or ""] = others.get(t.other_phrase or "", 0) + 1
            elif t.outcome is Outcome.NOTHING:
                nothing += 1
        wrong = [f"heard “{p}” {_times(n)}" for p, n in others.items()]
        if nothing:
            wrong.append(f"nothing {_times(nothing)}")
        return text + ("; " + ", ".join(wrong) if wrong else "")


@dataclass(frozen=True)
class EnrolmentResult:
    """A whole enrolment: its takes, per-command summaries, the noise and advice."""

    created: datetime
    leading_word: str
    takes: tuple[TakeResult, ...]
    planned: int = 0  # takes planned (0: as many as there are)
    recordings_forgotten: datetime | None = None
    #: What could not be read back (a missing or damaged recording), one line each.
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def complete(self) -> bool:
        return len(self.takes) >= self.planned

    def commands(self) -> list[CommandSummary]:
        order: dict[Command, list[TakeResult]] = {}
        for t in self.takes:
            order.setdefault(t.command, []).append(t)
        return [CommandSummary(c, ts[0].phrase, tuple(ts)) for c, ts in order.items()]

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
                return [
                    f"No command could be told apart from the noise ({self.noise_db:.0f} dB): "
                    f"{ADVICE_NOISE}."
                ]
            return [
                "No speech reached the microphone: check that the right microphone is chosen "
                "in the system's sound settings and that it is not muted."
            ]
        if self.noise_is_high():
            lines.append(
                f"The room is noisy (your voice was only {self.snr_db:.0f} dB above it; "
                f"{LOW_SNR_DB + 5:.0f} dB or more is best): {ADVICE_NOISE}."
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
        """Per command, 'player next: heard 3 of 3'."""
        return [f"“{c.phrase}”: {c.text}" for c in self.commands()]

    def level_text(self) -> str:
        if self.noise_db is None:
            return ""
        text = f"Background noise {self.noise_db:.0f} dB"
        if self.snr_db is not None:
            text += f"; your voice {self.snr_db:.0f} dB above it"
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


# --------------------------------------------------------------------------- files


def enrolment_folder(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / FOLDER_NAME


def _wav_bytes(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return buf.getvalue()


def _write_durably(path: Path, data: bytes) -> None:
    from ..durable_files import durable_replace

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        durable_replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _wav_name(t: TakeResult) -> str:
    return f"{t.command.value}_{t.number}.wav"


def _to_json(result: EnrolmentResult, takes_dir: str | None) -> dict:
    return {
        "format": FORMAT,
        "what": "Stenosis Player voice enrolment: how well each command was heard",
        "created": result.created.isoformat(timespec="seconds"),
        "leading_word": result.leading_word,
        "planned": result.planned,
        "recordings": takes_dir,
        "recordings_forgotten": (
            result.recordings_forgotten.isoformat(timespec="seconds")
            if result.recordings_forgotten
            else None
        ),
        "takes": [
            {
                "command": t.command.value,
                "phrase": t.phrase,
                "number": t.number,
                "heard": list(t.heard),
                "noise_db": t.noise_db,
                "speech_db": t.speech_db,
                "speech_start_s": t.speech_start_s,
                "speech_end_s": t.speech_end_s,
                "wav": _wav_name(t) if takes_dir and t.audio is not None else None,
            }
            for t in result.takes
        ],
    }


def _takes_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_dir() and p.name.startswith("takes-")]


def _remove_other_takes(folder: Path, keep: str | None) -> None:
    for p in _takes_folders(folder):
        if p.name != keep:
            shutil.rmtree(p, ignore_errors=True)


def _set_aside(path: Path, now: datetime) -> Path:
    """A result file that cannot be read is kept under a new name, never overwritten."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}-unreadable-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}-unreadable-{stamp}-{n}{path.suffix}")
    os.replace(path, target)
    return target


@dataclass(frozen=True)
class SaveReport:
    path: Path
    set_aside: Path | None = None  # where an unreadable earlier file was moved to


def save_enrolment(data_dir: str | os.PathLike[str], result: EnrolmentResult) -> SaveReport:
    """Make ``result`` the current enrolment: its recordings into a new folder, then
    ``enrolment.json`` replaced atomically, then the previous recordings removed. An earlier
    file that cannot be read is moved aside (``enrolment-unreadable-<stamp>.json``) first.
    Raises OSError."""
    folder = enrolment_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)  # the user's voice: nobody else's to read
    target = folder / RESULT_FILE
    aside = None
    if target.exists() or target.is_symlink():
        try:
            load_enrolment(data_dir)
        except EnrolmentFileProblem:
            aside = _set_aside(target, result.created)
    takes_dir = None
    if any(t.audio is not None for t in result.takes):
        takes = Path(tempfile.mkdtemp(prefix="takes-", dir=folder))
        takes_dir = takes.name
        for t in result.takes:
            if t.audio is not None:
                _write_durably(takes / _wav_name(t), _wav_bytes(t.audio.pcm))
    text = json.dumps(_to_json(result, takes_dir), indent=1, ensure_ascii=False) + "\n"
    _write_durably(target, text.encode("utf-8"))
    _remove_other_takes(folder, takes_dir)
    return SaveReport(target, aside)


def forget_recordings(data_dir: str | os.PathLike[str], now: datetime) -> EnrolmentResult | None:
    """Delete every recording of the user's voice; keep the results (marked forgotten).
    With an unreadable results file the recordings are deleted all the same and the file is
    left as it is (EnrolmentFileProblem is raised after). Raises OSError."""
    folder = enrolment_folder(data_dir)
    try:
        saved = load_enrolment(data_dir)
    except EnrolmentFileProblem:
        _remove_other_takes(folder, None)
        raise
    if saved is not None:
        forgotten = replace(
            saved,
            takes=tuple(replace(t, audio=None) for t in saved.takes),
            recordings_forgotten=saved.recordings_forgotten or now,
            problems=(),
        )
        text = json.dumps(_to_json(forgotten, None), indent=1, ensure_ascii=False) + "\n"
        _write_durably(folder / RESULT_FILE, text.encode("utf-8"))
        saved = forgotten
    _remove_other_takes(folder, None)
    return saved


_TAKES_DIR = re.compile(r"^takes-[A-Za-z0-9_]+$")
_WAV = re.compile(r"^[a-z_]+_[0-9]+\.wav$")


def _field(obj: dict, key: str, kinds: tuple[type, ...], where: str, nullable: bool = False):
    if key not in obj:
        raise ValueError(f"{where}: “{key}” is missing")
    value = obj[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ValueError(f"{where}.{key}: expected {names}, got {json.dumps(value)[:40]}")
    return value


def _date(value: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date and time") from None


def _read_wav(path: Path) -> bytes:
    from ..user_files import FileProblem, read_limited

    try:
        raw = read_limited(path, WAV_LIMIT, what="recording")
    except FileNotFoundError:
        raise ValueError(f"{path.name} is missing") from None
    except FileProblem as exc:
        raise ValueError(f"{path.name}: {exc.reason}") from None
    try:
        with wave.open(io.BytesIO(raw), "rb") as w:
            fmt = (w.getframerate(), w.getnchannels(), w.getsampwidth())
            pcm = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path.name} is not a WAV file ({exc})") from None
    if fmt != (SAMPLE_RATE, 1, 2):
        raise ValueError(f"{path.name} is not 16 kHz mono 16-bit")
    return pcm


def load_enrolment(data_dir: str | os.PathLike[str]) -> EnrolmentResult | None:
    """The current enrolment, None when there is none. A results file that cannot be used
    raises EnrolmentFileProblem (and is left in place); a missing or damaged recording
    only loses that take's audio (listed in ``problems``)."""
    from ..strict_json import JsonProblem, loads
    from ..user_files import FileProblem, decode_utf8, read_limited

    folder = enrolment_folder(data_dir)
    path = folder / RESULT_FILE
    try:
        raw = read_limited(path, RESULT_LIMIT, what="voice enrolment")
    except FileNotFoundError:
        return None
    except FileProblem as exc:
        raise EnrolmentFileProblem(path, exc.reason) from None
    try:
        data = loads(decode_utf8(raw))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        fmt = _field(data, "format", (int,), "the file")
        if fmt > FORMAT:
            raise ValueError(
                f"it was written by a newer version of the app (format {fmt}; this one reads "
                f"{FORMAT}); it is left as it is"
            )
        created = _date(_field(data, "created", (str,), "the file"), "created")
        word = validate_leading_word(_field(data, "leading_word", (str,), "the file"))
        planned = _field(data, "planned", (int,), "the file")
        takes_dir = _field(data, "recordings", (str,), "the file", nullable=True)
        if takes_dir is not None and not _TAKES_DIR.match(takes_dir):
            raise ValueError(f"recordings: {takes_dir!r} is not a recordings folder name")
        forgotten = _field(data, "recordings_forgotten", (str,), "the file", nullable=True)
        forgotten_at = _date(forgotten, "recordings_forgotten") if forgotten else None
        items = _field(data, "takes", (list,), "the file")
        phrases = phrase_table(word)
        takes: list[TakeResult] = []
        problems: list[str] = []
        for i, item in enumerate(items):
            where = f"takes[{i}]"
            if not isinstance(item, dict):
                raise ValueError(f"{where}: expected an object")
            name = _field(item, "command", (str,), where)
            try:
                command = Command(name)
            except ValueError:
                raise ValueError(f"{where}.command: {name!r} is not a command") from None
            phrase = _field(item, "phrase", (str,), where)
            if phrase not in phrases[command]:
                raise ValueError(f"{where}.phrase: {phrase!r} is not said for {name}")
            heard = _field(item, "heard", (list,), where)
            if not all(isinstance(h, str) for h in heard):
                raise ValueError(f"{where}.heard: expected a list of phrases")
            noise = float(_field(item, "noise_db", (int, float), where))
            speech = _field(item, "speech_db", (int, float), where, nullable=True)
            start = float(_field(item, "speech_start_s", (int, float), where))
            end = float(_field(item, "speech_end_s", (int, float), where))
            wav = _field(item, "wav", (str,), where, nullable=True)
            audio = None
            if wav is not None and takes_dir is not None:
                if not _WAV.match(wav):
                    raise ValueError(f"{where}.wav: {wav!r} is not a recording's name")
                try:
                    pcm = _read_wav(folder / takes_dir / wav)
                except ValueError as exc:
                    problems.append(f"take {i + 1} (“{phrase}”): {exc}")
                else:
                    audio = TakeAudio(
                        pcm,
                        round(start * SAMPLE_RATE),
                        round(end * SAMPLE_RATE),
                        noise,
                        None if speech is None else float(speech),
                    )
            takes.append(
                TakeResult(
                    command,
                    phrase,
                    int(_field(item, "number", (int,), where)),
                    tuple(heard),
                    noise,
                    None if speech is None else float(speech),
                    start,
                    end,
                    audio,
                    word,
                )
            )
    except (JsonProblem, ValueError) as exc:
        raise EnrolmentFileProblem(path, f"cannot be used: {exc}") from None
    return EnrolmentResult(created, word, tuple(takes), planned, forgotten_at, tuple(problems))
