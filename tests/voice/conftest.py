"""Fixtures for the voice tests: a fake audio sink, real and misbehaving synthesizers."""

from __future__ import annotations

import math
import os
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from stenosis_player.voice.synth import Synthesizer

FAKE_WORKER = Path(__file__).with_name("fake_worker.py")


def fake_worker_argv(mode: str, *extra: str) -> list[str]:
    return [sys.executable, str(FAKE_WORKER), mode, *extra]


def rms(path: Path) -> float:
    """Root mean square of a 16-bit mono WAV's samples, 0.0 for silence."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2
        data = memoryview(w.readframes(w.getnframes())).cast("h")
    if not len(data):
        return 0.0
    return math.sqrt(sum(s * s for s in data) / len(data))


class FakeSink:
    """Records what the service asked; a clip starts at once and ends when a test says so."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self._finished: Callable[[], None] | None = None

    def play(self, path, seconds, on_started, on_finished) -> None:
        self.calls.append(("play", path, seconds))
        self._finished = on_finished
        on_started()

    def stop(self) -> None:
        self.calls.append(("stop",))
        self._finished = None

    def is_playing(self) -> bool:
        return self._finished is not None

    def close(self) -> None:
        self.stop()

    def finish(self) -> None:
        """The clip has played to its end."""
        callback, self._finished = self._finished, None
        assert callback is not None, "nothing is playing"
        callback()

    def plays(self) -> list[tuple]:
        return [c for c in self.calls if c[0] == "play"]


@pytest.fixture
def fake_sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def fallback_sink() -> FakeSink:
    return FakeSink()


@pytest.fixture
def make_synth(tmp_path: Path):
    """Synthesizer factory; every one made is closed at the end of the test."""
    made: list[Synthesizer] = []

    def make(**kw) -> Synthesizer:
        kw.setdefault("hang_timeout", 5.0)
        synth = Synthesizer(kw.pop("cache_dir", tmp_path / "speech"), **kw)
        made.append(synth)
        return synth

    yield make
    for synth in made:
        synth.close()
