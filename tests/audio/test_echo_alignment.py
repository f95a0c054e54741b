"""The echo canceller on the real sound path: the app's playback (voice/pulse.py) and
microphone (PulseMicrophone) through a private PulseAudio server.

The microphone is the speakers' monitor itself, so there is no room: where each clip's sound
really is in the microphone stream (found by cross-correlation) is where the canceller must
read its reference, plus the filter's margin. Clips are placed from the clocks the way the
voice listener places them; the canceller then finds them in the sound.

Measured with bench/voice_commands/bench_echo_alignment.py: placed from the clocks, clips land
3-9 ms off, scattered over 6-14 ms (30 ms under load); once found, the reference is within
0.1 ms of its place. The bound here is 4 samples (0.25 ms).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from test_real_audio import start_server

from stenosis_player.voice.pulse import Clip, PulsePlayer
from stenosis_player.voice.synth import Synthesizer
from stenosis_player.voice_commands.echo import EchoCanceller, erle_db, read_reference
from stenosis_player.voice_commands.microphone import PulseMicrophone

pytestmark = [pytest.mark.speech, pytest.mark.audio]

RATE = 16000
BOUND = 4  # samples: measured within 2 (0.1 ms)
LINES = (
    "Lie on your back with your knees bent and your feet flat on the floor.",
    "Slowly bring one knee up towards your chest, then the other.",
)


@pytest.fixture
def direct_server():
    """A private PulseAudio whose default microphone is the speakers' monitor."""
    server = start_server(mic=True)
    server.activate()
    server.pactl("set-default-source", "speakers.monitor")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    synth = Synthesizer(tmp_path_factory.mktemp("speech"))
    try:
        return [synth.synthesize(text) for text in LINES]
    finally:
        synth.close()


class Listening:
    """The microphone read into the canceller on this thread, with clips placed as the voice
    listener places them: before each block, at the stream sample its start time maps to
    through the last block's capture time."""

    def __init__(self, canceller: EchoCanceller) -> None:
        self.canceller = canceller
        self.stream: list[np.ndarray] = []
        self.cleaned: list[np.ndarray] = []  # what the canceller returned
        self.pos = 0  # stream samples fed
        self.clock: tuple[int, float] | None = None
        self.placed: list[tuple[int, np.ndarray]] = []  # (stream sample, reference)
        self.claims: set[tuple[int, int]] = set()  # each canceller.found
        self._pending: list[tuple[float, np.ndarray]] = []
        self._lock = threading.Lock()
        self.hearing = threading.Event()  # the microphone delivers

    def started(self, when: float, reference: np.ndarray) -> None:
        with self._lock:
            self._pending.append((when, reference))

    def listen(self, mic: PulseMicrophone) -> None:
        self.clock = None  # a new microphone: its own capture times
        self.hearing.clear()
        for block in mic.blocks():
            self.hearing.set()
            with self._lock:
                pending, self._pending = self._pending, []
            for when, reference in pending:
                pos, at_time = self.clock if self.clock else (self.pos, time.monotonic())
                at = pos + round((when - at_time) * RATE)
                self.canceller.add_reference(reference, at)
                self.placed.append((at, reference))
            cleaned = self.canceller.process(block)
            self.stream.append(np.frombuffer(block, "<i2").astype(np.float32) / 32768.0)
            self.cleaned.append(np.frombuffer(cleaned, "<i2").astype(np.float32) / 32768.0)
            self.pos += len(block) // 2
            self.clock = (self.pos, mic.captured_at)
            if self.canceller.found is not None:
                self.claims.add(self.canceller.found)


def play(player_events, player: PulsePlayer, path: Path) -> None:
    done = threading.Event()
    player_events["done"] = done
    player.play(path, Clip.load(path))
    assert done.wait(15), "the clip did not play to its end"


def test_clips_are_found_to_within_a_quarter_millisecond_and_again_after_a_restart(
    direct_server, clips
):
    references = {path: read_reference(path) for path in clips}
    canceller = EchoCanceller()
    listening = Listening(canceller)
    events: dict[str, threading.Event] = {}
    errors: list[str] = []

    def session(order: list[Path]) -> None:
        # a new playback connection, as the app's sink makes one after losing the server
        player = PulsePlayer(
            on_started=lambda path, when: listening.started(time.monotonic(), references[path]),
            on_finished=lambda _path: events["done"].set(),
            on_error=lambda _path, why: errors.append(why),
        )
        mic = PulseMicrophone()
        reader = threading.Thread(target=listening.listen, args=(mic,), daemon=True)
        reader.start()
        try:
            assert listening.hearing.wait(10), "the microphone delivered nothing"
            for path in order:
                play(events, player, path)
                time.sleep(0.3)
            time.sleep(0.4)
        finally:
            player.close()
            mic.close()
            reader.join(3)

    session([clips[0], clips[1], clips[0]])
    before_restart = len(listening.placed)
    direct_server.restart()
    direct_server.pactl("set-default-source", "speakers.monitor")
    session([clips[1], clips[0]])
    assert not errors, errors
    stream = np.concatenate(listening.stream)
    assert len(listening.placed) == 5
    margin = round(EchoCanceller.DELAY_MARGIN_S * RATE)
    restart_at = listening.placed[before_restart][0]
    after_restart, residuals = 0, []
    for end, delay in sorted(listening.claims):
        # the look covered the half second before `end`: the reference as the canceller
        # read it there, against the microphone, by plain cross-correlation (the canceller
        # uses a whitened one); the filter holds the direct sound `margin` samples in
        start = end - RATE // 2
        read = np.zeros(end - start, np.float32)
        for at, reference in listening.placed:
            lo, hi = max(start, at + delay), min(end, at + delay + len(reference))
            if lo < hi:
                read[lo - start : hi - start] = reference[lo - at - delay : hi - at - delay]
        half = RATE // 4
        (lag, score), (lag2, score2) = (
            _lag(stream[a : a + half], read[a - start : a - start + half])
            for a in (start, start + half)
        )
        if min(score, score2) < 0.9 or abs(lag - lag2) > BOUND:
            continue  # no clear match: a pause, or the sound moved (a playback underrun)
        residuals.append(lag - margin)
        after_restart += end > restart_at
    assert all(abs(r) <= BOUND for r in residuals), f"samples off: {residuals}"
    # most looks are clear ones (on this machine under load, about 9 in 10)
    assert len(residuals) >= 0.5 * len(listening.claims), (residuals, listening.claims)
    # found before the restart and again after it (a new server, a new connection and
    # microphone: other latencies)
    assert len(residuals) - after_restart >= 1 and after_restart >= 1
    # and it cancels: each clip from half a second in (the canceller is one block late)
    cleaned = np.concatenate(listening.cleaned)[256:]
    erle = [
        erle_db(stream[at + RATE // 2 : at + len(ref)], cleaned[at + RATE // 2 : at + len(ref)])
        for at, ref in listening.placed
    ]
    # measured: 4-6 dB per clip at a load of 15-19 (playback underruns: the sound moves, and
    # is found again half a second later), 8-13 dB at a load of 1-5 (bench_echo_alignment);
    # 0 dB before the canceller aligned from the sound. Never louder than it came in.
    assert max(erle) > 3 and min(erle) > -0.1, erle


def _lag(mic: np.ndarray, read: np.ndarray) -> tuple[int, float]:
    """How many samples *mic* lags behind *read* (0 to 0.3 s), and the match there (0..1)."""
    n = 2 * len(mic)
    corr = np.fft.irfft(np.fft.rfft(mic, n) * np.conj(np.fft.rfft(read, n)), n)[: RATE * 3 // 10]
    k = int(np.argmax(corr))
    shifted = read[: len(read) - k]
    score = corr[k] / (np.linalg.norm(shifted) * np.linalg.norm(mic[k:]) + 1e-9)
    return k, float(score)
