"""Shared helpers for the voice-command benchmark and threshold tuning."""

from __future__ import annotations

import json
import sys
import time
import wave
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from stenosis_player.voice_commands.commands import Command, phrase_to_command  # noqa: E402
from stenosis_player.voice_commands.recognizer import (  # noqa: E402
    CommandRecognizer,
    Heard,
    Settings,
)

CHUNK_S = 0.1  # audio arrives in 100 ms blocks, as from the microphone


@dataclass
class FileResult:
    entry: dict
    heard: list[Heard]
    emitted: list[float]  # for each heard: seconds from file start until feed() returned it
    rejected: list[tuple[str, str, float]]
    seconds: float


def load_manifest(data_dir: Path) -> list[dict]:
    return json.loads((data_dir / "manifest.json").read_text())


def read_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
        return w.readframes(w.getnframes())


def group_key(entry: dict) -> tuple:
    if entry["kind"] == "command":
        return ("command", entry["voice"], entry["speed"], entry["snr"])
    return ("negative", entry["source"], entry["voice"])


def run_stream(
    data_dir: Path,
    entries: list[dict],
    settings: Settings,
    mode: str = "normal",
    leading_word: str = "player",
) -> list[FileResult]:
    """Play *entries* one after the other through ONE recognizer (as a live microphone
    stream would be), and attribute what it hears to the file playing at that time.

    mode: normal | question (a question is open) | speaking (the app is speaking) |
    echo (the app is speaking and tells the recognizer what it says, and gives it the clip
    it plays where the entry has one) | echo-text (the same, without the clip) | room (the
    entry is the app's own voice: it plays through a simulated loudspeaker and room, and the
    recognizer is given its text and the clip, as in the app)."""
    rec = CommandRecognizer(leading_word=leading_word, settings=settings)
    rec.set_question_open(mode == "question")
    if mode == "speaking":
        rec.set_app_speaking(True)
    step = int(16000 * CHUNK_S) * 2
    results = []
    for entry in entries:
        if mode.startswith("echo"):
            rec.set_app_speaking(True, entry.get("text", ""))
        if mode == "echo" and entry.get("reference"):
            played = read_pcm(data_dir / entry["reference"])
            rec.play_reference(np.frombuffer(played, "<i2") / 32768.0)
        pcm = read_pcm(data_dir / entry["path"])
        if mode == "room":
            rec.set_app_speaking(True, entry.get("text", ""))
            played = np.frombuffer(pcm, "<i2").astype(np.float64)
            rec.play_reference(played / 32768.0)
            pcm = through_room(played)
        t0 = rec.stream_time
        heard: list[Heard] = []
        emitted: list[float] = []
        for i in range(0, len(pcm), step):
            t = time.perf_counter()
            new = rec.feed(pcm[i : i + step])
            wall = time.perf_counter() - t
            heard += new
            emitted += [rec.stream_time - t0 + wall] * len(new)
        if entry is entries[-1]:
            new = rec.flush()
            heard += new
            emitted += [rec.stream_time - t0] * len(new)
        rejected = [(r.phrase, r.reason, r.time - t0) for r in rec.rejected]
        rec.rejected.clear()
        # Times relative to the start of this file.
        heard = [
            Heard(h.command, h.phrase, h.confidence, round(h.time - t0, 3), round(h.start - t0, 3))
            for h in heard
        ]
        results.append(FileResult(entry, heard, emitted, rejected, len(pcm) / 32000))
    rec.close()
    return results


_ROOM: np.ndarray | None = None


def through_room(played: np.ndarray) -> bytes:
    """*played* (int16 scale) as the microphone hears it from the laptop's loudspeaker: the
    same mild saturation and room as the over-the-app test files (make_test_data.py)."""
    from make_test_data import loudspeaker_echo, room_echo

    global _ROOM
    if _ROOM is None:
        _ROOM = room_echo(np.random.default_rng(5))
    echo = loudspeaker_echo(played, _ROOM)
    return np.clip(echo, -32768, 32767).astype("<i2").tobytes()


def _job(args):
    return run_stream(*args)


def run_all(
    data_dir: Path, entries: list[dict], settings: Settings, mode: str = "normal", jobs: int = 2
) -> list[FileResult]:
    """Run each group of files (same voice, speed and noise; or same negative source) as one
    continuous stream, in parallel over groups."""
    groups: dict[tuple, list[dict]] = {}
    for e in entries:
        groups.setdefault(group_key(e), []).append(e)
    args = [(data_dir, g, settings, mode) for g in groups.values()]
    out: list[FileResult] = []
    with ProcessPoolExecutor(jobs) as pool:
        for res in pool.map(_job, args):
            out += res
    return out


def expected_command(entry: dict) -> Command | None:
    if entry["kind"] != "command":
        return None
    return phrase_to_command().get(entry["phrase"])  # None: a phrase no longer in use
