"""Where an enrolment is kept (the user's voice: only on this computer, in the app's data
folder)::

    <data_dir>/voice_enrolment/enrolment.json          the results (written atomically)
    <data_dir>/voice_enrolment/takes-<stamp>/*.wav     each take, 16 kHz mono s16 PCM
    <data_dir>/voice_enrolment/adapted-layer.npz       the listening network's last layer,
                                                       adapted to the takes (adapt_cache.py)

A new enrolment is written into a new ``takes-`` folder first; replacing ``enrolment.json``
is the one step that makes it current, so a crash leaves the old enrolment or the new one.
:func:`forget_recordings` deletes the audio and the adapted layer and keeps the results,
marked as forgotten.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import wave
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ..adapt_cache import forget_cache
from ..commands import Command, phrase_table, validate_leading_word
from .levels import SAMPLE_RATE, TakeAudio
from .results import HEARD_BY, EnrolmentResult, TakeResult

FOLDER_NAME = "voice_enrolment"
RESULT_FILE = "enrolment.json"
FORMAT = 1
RESULT_LIMIT = 1024 * 1024  # enrolment.json: a few KB; more is not ours
WAV_LIMIT = 2 * 1024 * 1024  # a take is at most ~8 s (256 KB)


class EnrolmentFileProblem(Exception):
    """The saved enrolment cannot be read; ``str()`` names the file and what is wrong. The
    file is left as it is."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


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
    from ...durable_files import durable_replace

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
                "heard_by": t.heard_by,
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
    with contextlib.suppress(OSError):  # the old voice's layer (a stale key would skip it)
        forget_cache(folder)
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
        forget_cache(folder)
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
    forget_cache(folder)  # the adapted layer is made from the recordings: it goes with them
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
    from ...user_files import FileProblem, read_limited

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
    from ...strict_json import JsonProblem, loads
    from ...user_files import FileProblem, decode_utf8, read_limited

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
            heard_by = item.get("heard_by", "sphinx")  # (files before it was kept: sphinx)
            if not isinstance(heard_by, str) or heard_by not in HEARD_BY:
                raise ValueError(f"{where}.heard_by: {heard_by!r} is not a recogniser")
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
                    heard_by,
                )
            )
    except (JsonProblem, ValueError) as exc:
        raise EnrolmentFileProblem(path, f"cannot be used: {exc}") from None
    return EnrolmentResult(
        created, word, tuple(takes), planned, forgotten_at, tuple(problems), folder=folder
    )
