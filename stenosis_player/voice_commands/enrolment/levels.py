"""Levels in a take: dB of 16-bit PCM, and cutting one take (a burst of speech) out of a
stream of blocks.

Levels are in dB of the 16-bit scale, as the recogniser's pause detector measures them:
full scale is 90 dB, a quiet room is about 30-40 dB at a laptop's microphone, digital
silence 0 dB. Time is the audio's own (samples fed), so a WAV read at full speed and a
microphone in real time give the same take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SAMPLE_RATE = 16000
FRAME = 480  # 30 ms, as the recogniser's pause detector


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
