"""Helpers for the voice-command tests: the small generated data set in tests/data."""

from __future__ import annotations

import wave
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "voice_commands"


def read_pcm(rel: str) -> bytes:
    with wave.open(str(DATA / rel), "rb") as w:
        return w.readframes(w.getnframes())


def feed_all(rec, pcm: bytes, chunk_s: float = 0.1) -> list:
    step = int(16000 * chunk_s) * 2
    heard = []
    for i in range(0, len(pcm), step):
        heard += rec.feed(pcm[i : i + step])
    return heard
