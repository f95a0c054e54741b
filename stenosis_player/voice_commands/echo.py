"""Echo cancelling: take the app's own voice out of the microphone signal.

The app knows exactly what it plays (the speech clip) and when it started, so the voice that
reaches the microphone is that clip passed through an unknown echo path (the output latency,
the loudspeaker, the room). An adaptive filter learns that path from the clip and subtracts
its estimate; what is left is the user (and noise), which the recognizer then listens to.
This is what lets "player pause", "player stop" and "it hurts" be heard over the app's voice.

The filter is a partitioned-block frequency-domain adaptive filter (overlap-save): blocks of
256 samples (16 ms), 16 partitions, so it models echo paths up to 256 ms long. Two copies run
side by side: a background filter that always adapts and a foreground filter whose output is
used; the background is copied to the foreground only when it cancels better. While the user
talks over the app (double talk) the background filter is pushed off course, but the
foreground keeps the good estimate, with no level thresholds to tune.

Alignment comes from the sound itself. Where a clip's sound really lands in the microphone
stream cannot be known from clocks: on a real PulseAudio server, placing clips from the
playback's and the capture's timing leaves them 10-15 ms apart from clip to clip (30 ms on a
busy machine), and a playback underrun moves the rest of a clip by tens of ms
(bench/voice_commands/bench_echo_alignment.py). A filter that learned the room for one clip
is then wrong for the next, and never has the seconds it needs to learn again. So every
quarter second of the app's voice, the clip is cross-correlated with the microphone
(GCC-PHAT over the last 0.5 s), and the reference is moved so that the direct sound always
lands at the same place in the filter (``DELAY_MARGIN_S`` in): what the filter learned on
one clip fits the next. This also takes off output latency beyond the filter's reach
(Bluetooth speakers add 150-300 ms).

Needs numpy. Audio stays in memory, as everywhere in voice commands.
"""

from __future__ import annotations

import math
import wave
from collections import deque
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


def read_reference(path: str | Path) -> np.ndarray:
    """A speech clip (any rate, mono or stereo, 16-bit WAV) as float samples at 16 kHz."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit samples, found {8 * width}-bit")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return resample(samples, rate)


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Resample by linear interpolation after a windowed-sinc low-pass below the new Nyquist
    frequency (without it, 8-11 kHz speech energy would fold into the band we cancel)."""
    if rate == target:
        return samples.astype(np.float32, copy=False)
    if rate > target:
        cutoff = 0.45 * target / rate  # cycles per input sample
        n = np.arange(-32, 33)
        taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(len(n))
        samples = np.convolve(samples, taps / taps.sum(), mode="same")
    count = int(len(samples) * target / rate)
    positions = np.arange(count) * (rate / target)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


class EchoCanceller:
    """Subtracts the scheduled reference (the app's voice) from the microphone stream.

    Positions are stream samples: the n-th sample given to :meth:`process` is sample n.
    Schedule each clip with :meth:`add_reference` at the sample where its sound starts, and
    cut it with :meth:`cut_reference` if playback is stopped early. With no reference in the
    last filter length, audio passes through untouched (and nearly free).
    """

    #: Lags searched for the echo, and where in the filter its direct sound is put.
    MAX_DELAY_S = 0.6
    DELAY_MARGIN_S = 0.02
    _WINDOW = 8192  # samples correlated at a time (0.5 s)
    _EVERY = 4096  # samples of the app's voice between two looks (0.25 s)
    #: A direct sound found this close to its place is left there: the filter follows a
    #: fraction of a sample, and moving by one would make it learn again.
    DEADBAND = 2
    #: How far before its schedule the reference may be read (clips placed late).
    MAX_EARLY_S = 0.2
    #: The echo floor (see :attr:`last_floor_db`): the reference's level is taken as its
    #: loudest over this much before and after each block (the echo's reverberation, and
    #: where it really is when the alignment is off by some tens of ms) ...
    FLOOR_BACK_S = 0.25
    FLOOR_AHEAD_S = 0.06
    #: ... and the leftover as this share of the app's voice's blocks in the last
    #: FLOOR_HISTORY_S left it after cancelling, relative to that level. (A command said
    #: over the app's voice is a minority of those blocks.)
    FLOOR_SHARE = 0.75
    FLOOR_HISTORY_S = 8.0
    #: A block this much louder than the leftover is the user talking: not learned, unless
    #: blocks as loud fill most of the last FLOOR_RECENT_S (longer than any command: then
    #: the echo itself got louder).
    FLOOR_GATE_DB = 10.0
    FLOOR_RECENT_S = 2.0
    _FLOOR_FIRST = 8  # blocks learned before the gate applies
    _AUDIBLE_DB = 30.0  # a quieter reference block (16-bit: 90 dB = full scale) is silence

    def __init__(self, block: int = 256, partitions: int = 16, step: float = 0.5) -> None:
        self.block = block
        self.partitions = partitions
        self.step = step
        bins = block + 1
        self._w_bg = np.zeros((partitions, bins), np.complex128)  # adapts all the time
        self._w_fg = np.zeros((partitions, bins), np.complex128)  # used for the output
        self._x = np.zeros((partitions, bins), np.complex128)  # reference spectra, newest first
        self._x_prev = np.zeros(block)
        self._power = np.full(bins, 1e-6)  # smoothed reference power per bin
        self._err_bg = 0.0  # smoothed error energies of the two filters
        self._err_fg = 0.0
        self._mic = np.zeros(0, np.float32)  # samples not yet making a whole block
        # Cleaned samples not yet returned; starting with one block of silence gives a fixed
        # delay of one block, so that every call can return as many samples as it was given.
        self._out = np.zeros(block, np.float32)
        self._est = np.zeros(block, np.float32)  # the echo estimate for the same samples
        #: The filter's estimate of the echo in the samples last returned by :meth:`process`
        #: (int16 scale). The recognizer's pause detection uses it: leftover echo is not speech.
        self.last_echo = np.zeros(0, np.float32)
        self._pos = 0  # stream sample of the next whole block
        self._ref = np.zeros(0, np.float32)  # the reference, from stream sample _ref_start
        self._ref_start = 0
        self._last_ref = -(10**12)  # stream sample after the last non-silent reference block
        #: The reference's direct sound reaches the microphone this many samples (minus
        #: the margin) later than scheduled; negative: earlier. Found from the sound and kept
        #: from clip to clip (the next clip starts with the last alignment).
        self.delay = 0
        #: Whether the echo has been found at least once (before, the filter's learning is
        #: about an unknown alignment and is dropped when the echo is found).
        self.aligned = False
        #: How many times the reference was moved to follow the echo.
        self.moves = 0
        #: Where the echo was last found at its place: (the stream sample up to which that
        #: look went: it covered the 0.5 s before; the delay then); None before it ever was.
        self.found: tuple[int, int] | None = None
        # The last 0.5 s of microphone input and of the reference as the filter saw it, as
        # blocks (joined only when they are correlated).
        self._hist_d: deque[np.ndarray] = deque(maxlen=self._WINDOW // block)
        self._hist_x: deque[np.ndarray] = deque(maxlen=self._WINDOW // block)
        self._hist_fill = 0  # samples of reference-bearing history since the last look
        self._last_lag: int | None = None  # what the last look found
        self._w_aligned = np.zeros_like(self._w_fg)  # the filter when the echo was last found
        # The echo floor: the reference's level per block (as the filter read it) and, over
        # the app's voice, how much louder the output was than the reference (dB).
        self._ref_db: deque[float] = deque(
            maxlen=max(1, round(self.FLOOR_BACK_S * SAMPLE_RATE / block))
        )
        self._offsets: deque[float] = deque(
            maxlen=round(self.FLOOR_HISTORY_S * SAMPLE_RATE / block)
        )
        self._floor = np.zeros(block, np.float32) - 200.0  # per sample, beside _out
        # the last FLOOR_RECENT_S of blocks: the offset of those not learned, else None
        self._recent: deque[float | None] = deque(
            maxlen=round(self.FLOOR_RECENT_S * SAMPLE_RATE / block)
        )
        #: The level (dB, 16-bit: 90 = full scale, as the recognizer's pause detection
        #: measures) below which the output is what is left of the app's own voice, per
        #: sample last returned by :meth:`process` (-200 where the app is silent or the
        #: floor is not known yet). Unlike :attr:`last_echo` it needs no converged filter: it
        #: comes from the reference's level and the leftover measured over the app's voice, so
        #: it holds while the echo moves.
        self.last_floor_db = np.zeros(0, np.float32)

    @property
    def active(self) -> bool:
        """True while the app's voice (or its echo) may be in the microphone signal."""
        pending = self._ref_start + len(self._ref) > self._pos - self.delay
        return pending or self._pos - self._last_ref < self.block * self.partitions

    def add_reference(self, samples: np.ndarray, at: int) -> None:
        """The app plays *samples* (float, 16 kHz) starting at stream sample *at*."""
        at, samples = int(at), np.asarray(samples, np.float32)
        first = self._pos - self.delay  # what was processed cannot be changed: drop it
        if at < first:
            samples, at = samples[first - at :], first
        if not len(samples):
            return
        if not len(self._ref):
            self._ref_start = at
        elif at < self._ref_start:
            pad = np.zeros(self._ref_start - at, np.float32)
            self._ref, self._ref_start = np.concatenate([pad, self._ref]), at
        end = at + len(samples)
        ref_end = self._ref_start + len(self._ref)
        if end > ref_end:
            self._ref = np.concatenate([self._ref, np.zeros(end - ref_end, np.float32)])
        i = at - self._ref_start
        self._ref[i : i + len(samples)] = samples[: len(self._ref) - i]

    def cut_reference(self, at: int) -> None:
        """Playback stopped at stream sample *at*: nothing of the reference plays after it."""
        i = max(0, int(at) - self._ref_start)
        if i < len(self._ref):
            self._ref = self._ref[:i]

    def process(self, pcm: bytes) -> bytes:
        """Feed microphone PCM (int16); return the same number of cleaned samples (int16).
        The output is the input delayed by exactly one block (``block`` samples)."""
        mic = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._mic = np.concatenate([self._mic, mic])
        n = self.block
        done, est, floors = [], [], []
        while len(self._mic) >= n:
            d, self._mic = self._mic[:n], self._mic[n:]
            e, y = self._block(d)
            done.append(e)
            est.append(y)
            floors.append(np.full(n, self._floor_of(e), np.float32))
        if done:
            self._out = np.concatenate([self._out, *done])
            self._est = np.concatenate([self._est, *est])
            self._floor = np.concatenate([self._floor, *floors])
        out, self._out = self._out[: len(mic)], self._out[len(mic) :]
        self.last_echo, self._est = self._est[: len(mic)] * 32768.0, self._est[len(mic) :]
        self.last_floor_db, self._floor = self._floor[: len(mic)], self._floor[len(mic) :]
        return (np.clip(out, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()

    # -- internals ----------------------------------------------------------------------------
    def _floor_of(self, e: np.ndarray) -> float:
        """The echo floor for the block just cleaned (*e*; see :attr:`last_floor_db`), and
        what this block teaches about the leftover."""
        if not self._ref_db:
            return -200.0
        now = self._pos - self.delay  # the reference the next block reads
        i = now - self._ref_start
        ahead = self._ref[max(0, i) : max(0, i + round(self.FLOOR_AHEAD_S * SAMPLE_RATE))]
        level = max(max(self._ref_db), _db(ahead) if len(ahead) else -200.0)
        if level < self._AUDIBLE_DB:
            return -200.0
        offset = _db(e) - level
        if len(self._offsets) < self._FLOOR_FIRST:
            # (these blocks count at once: from the app's first words on, it has a floor)
            self._offsets.append(offset)
            return level + float(np.quantile(np.fromiter(self._offsets, float), self.FLOOR_SHARE))
        typical = float(np.quantile(np.fromiter(self._offsets, float), self.FLOOR_SHARE))
        # Far louder than the app's voice leaves is the user talking over it: not learned
        # (a command said over a short history would lift the floor above itself) ...
        gated = offset > typical + self.FLOOR_GATE_DB
        self._recent.append(offset if gated else None)
        if not gated:
            self._offsets.append(offset)
        elif sum(o is not None for o in self._recent) > len(self._recent) // 2:
            # ... unless it goes on longer than commands do: then the echo got louder (the
            # volume turned up, or its first sound after digital silence)
            self._offsets.extend(o for o in self._recent if o is not None)
            self._recent.clear()
        return level + typical

    def _ref_block(self) -> np.ndarray:
        """The reference samples that play during the next block (zeros where none)."""
        n = self.block
        now = self._pos - self.delay  # the reference sample heard at this block
        # drop what has played, keeping memory bounded, but not what a move back may read
        behind = now - self._ref_start - int(self.MAX_DELAY_S * SAMPLE_RATE)
        if behind > 0:
            self._ref = self._ref[behind:]
            self._ref_start += behind
        i = now - self._ref_start
        x = np.zeros(n)
        part = self._ref[max(0, i) : max(0, i + n)]
        x[max(0, -i) : max(0, -i) + len(part)] = part
        return x

    def _block(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Clean one block: (microphone minus estimated echo, estimated echo)."""
        n = self.block
        x = self._ref_block()
        if np.any(x):
            self._last_ref = self._pos + n
        if not self.active:
            self._x_prev = x
            self._ref_db.clear()
            self._pos += n
            return d, np.zeros(n, np.float32)
        if self._track_delay(d, x):
            x = self._hist_x[-1]  # this block at the new alignment
        self._ref_db.append(_db(x))
        spectrum = np.fft.rfft(np.concatenate([self._x_prev, x]))
        self._x_prev = x
        self._x = np.roll(self._x, 1, axis=0)
        self._x[0] = spectrum
        self._power = 0.9 * self._power + 0.1 * np.abs(spectrum) ** 2

        y_fg = np.fft.irfft((self._w_fg * self._x).sum(axis=0))[n:]
        e_fg = d - y_fg
        e_bg = d - np.fft.irfft((self._w_bg * self._x).sum(axis=0))[n:]

        # Normalised gradient step for the background filter, constrained to a linear
        # (not circular) convolution by zeroing the second half of each partition.
        err = np.fft.rfft(np.concatenate([np.zeros(n), e_bg]))
        norm = self._power * self.partitions + 1e-6
        grad = np.fft.irfft(np.conj(self._x) * err / norm, axis=1)
        grad[:, n:] = 0.0
        self._w_bg += self.step * np.fft.rfft(grad, axis=1)

        # Keep whichever filter cancels better; let a lost background restart from the good one.
        self._err_bg = 0.8 * self._err_bg + 0.2 * float(e_bg @ e_bg)
        self._err_fg = 0.8 * self._err_fg + 0.2 * float(e_fg @ e_fg)
        if self._err_bg < 0.7 * self._err_fg:
            self._w_fg[:] = self._w_bg
        elif self._err_bg > 4.0 * self._err_fg + 1e-9:
            self._w_bg[:] = self._w_fg
        self._pos += n
        if float(e_fg @ e_fg) > float(d @ d):
            # Louder after than before: the echo moved (a playback underrun) and is not
            # found yet. Subtracting it in the wrong place would add a second voice.
            e_fg = d
        return e_fg.astype(np.float32), y_fg.astype(np.float32)

    def _track_delay(self, d: np.ndarray, x: np.ndarray) -> bool:
        """Every quarter second of the app's voice, find where its echo is; if its direct
        sound is not at its place in the filter, move the reference there (True)."""
        self._hist_d.append(d)
        self._hist_x.append(x)
        if np.any(x):
            self._hist_fill += self.block
        if self._hist_fill < self._EVERY or len(self._hist_d) < self._hist_d.maxlen:
            return False
        self._hist_fill = 0
        voiced = sum(1 for b in self._hist_x if np.any(b))
        lag = None
        if voiced * self.block >= self._WINDOW // 2:  # half the window has the app's voice
            lag = _phat_lag(
                np.concatenate(self._hist_d),
                np.concatenate(self._hist_x),
                int(self.MAX_DELAY_S * SAMPLE_RATE),
            )
        last, self._last_lag = self._last_lag, lag
        if lag is None:
            return False  # no clear echo: silence, or the user louder than the app
        move = lag - int(self.DELAY_MARGIN_S * SAMPLE_RATE)
        if abs(move) <= self.DEADBAND:
            self._w_aligned[:] = self._w_fg  # learned at the right alignment: keep it
            self.aligned = True
            self.found = (self._pos + self.block, self.delay)
            return False
        if last is None or abs(lag - last) > self.DEADBAND:
            return False  # moved only when two looks a quarter second apart agree
        early = int(self.MAX_EARLY_S * SAMPLE_RATE)
        self.delay = max(-early, self.delay + move)
        self.moves += 1
        if self.aligned:
            # Learned at the right alignment before (an earlier clip): that is the room.
            self._w_fg[:] = self._w_aligned
            self._w_bg[:] = self._w_aligned
        else:  # the first time: what was learned so far, moved with the reference
            self._w_fg[:] = self._shifted(self._w_fg, move)
            self._w_bg[:] = self._shifted(self._w_bg, move)
        # The reference history as the new alignment would have read it (*move* samples
        # later), for the looks (the next one, a quarter second on, can confirm it) and for
        # the filter, which then cancels on without a gap.
        past = np.concatenate(self._hist_x)
        moved = np.zeros_like(past)
        if 0 <= move < len(past):
            moved[move:] = past[: len(past) - move]
        elif -len(past) < move < 0:
            moved[:move] = past[-move:]
        blocks = moved.reshape(-1, self.block)
        self._hist_x.clear()
        self._hist_x.extend(blocks)
        # the filter's history ends with the block before this one (newest first)
        for p in range(self.partitions):
            self._x[p] = np.fft.rfft(np.concatenate([blocks[-3 - p], blocks[-2 - p]]))
        self._x_prev = blocks[-2].copy()
        self._last_lag = None
        self._err_bg = self._err_fg = 0.0
        return True

    def _shifted(self, w: np.ndarray, move: int) -> np.ndarray:
        """The filter *w* for a reference read *move* samples later: its impulse response
        (the partitions' taps one after the other) moved *move* samples earlier."""
        n = self.block
        taps = np.fft.irfft(w, axis=1)[:, :n].reshape(-1)
        moved = np.zeros_like(taps)
        if 0 <= move < len(taps):
            moved[: len(taps) - move] = taps[move:]
        elif -len(taps) < move < 0:
            moved[-move:] = taps[:move]
        parts = np.concatenate([moved.reshape(-1, n), np.zeros((self.partitions, n))], axis=1)
        return np.fft.rfft(parts, axis=1)


def _phat_lag(d: np.ndarray, x: np.ndarray, max_lag: int) -> int | None:
    """How many samples *d* lags behind *x* (negative: leads), by GCC-PHAT; None without a
    clear peak (silence, or a user talking louder than the echo)."""
    n = len(d)
    if float(d @ d) < 1e-9 * n or float(x @ x) < 1e-9 * n:
        return None  # (near) digital silence: whitening would make a peak of rounding
    cross = np.fft.rfft(d, 2 * n) * np.conj(np.fft.rfft(x, 2 * n))
    corr = np.fft.irfft(cross / (np.abs(cross) + 1e-12), 2 * n)
    lags = np.concatenate([corr[: max_lag + 1], corr[-max_lag:]])  # 0..max, then -max..-1
    k = int(np.argmax(lags))
    if lags[k] < 8 * np.std(lags):
        return None
    return k if k <= max_lag else k - len(lags)


def _db(samples: np.ndarray) -> float:
    """The level of float samples in dB of 16-bit power (90 dB: full scale), as the
    recognizer's pause detection measures it."""
    return 10 * math.log10(float(np.mean(np.square(samples, dtype=np.float64))) * 2**30 + 1.0)


def erle_db(before: np.ndarray, after: np.ndarray) -> float:
    """Echo return loss enhancement: how much quieter the signal is after cancelling, in dB."""
    b = float(np.mean(np.asarray(before, np.float64) ** 2))
    a = float(np.mean(np.asarray(after, np.float64) ** 2))
    return 10 * math.log10((b + 1e-12) / (a + 1e-12))
