"""Log-mel features for the keyword spotter (numpy only; the training script uses the same code).

A frame is 25 ms of audio every 10 ms, Hann-windowed, its power spectrum summed into mel
bands and logged. The spotter looks at a window of the last ``window_frames`` frames with each
band's mean over that window taken away, so the microphone's loudness and tone do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FeatureSpec:
    sample_rate: int = 16000
    frame_len: int = 400  # 25 ms
    hop: int = 160  # 10 ms
    n_fft: int = 512
    n_mels: int = 40
    fmin: float = 60.0
    fmax: float = 7600.0
    eps: float = 1e-7  # on audio scaled to [-1, 1]
    window_frames: int = 200  # ~2 s: "player <pause> continue", said slowly, fits

    @property
    def window_samples(self) -> int:
        return self.frame_len + (self.window_frames - 1) * self.hop

    def as_array(self) -> np.ndarray:
        return np.array(
            [
                self.sample_rate,
                self.frame_len,
                self.hop,
                self.n_fft,
                self.n_mels,
                self.fmin,
                self.fmax,
                self.eps,
                self.window_frames,
            ],
            dtype=np.float64,
        )

    @classmethod
    def from_array(cls, a: np.ndarray) -> FeatureSpec:
        v = [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]
        if len(v) != 9:
            raise ValueError(f"feature spec has {len(v)} values, expected 9")
        return cls(
            int(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4]), v[5], v[6], v[7], int(v[8])
        )


def mel_matrix(spec: FeatureSpec) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels) triangular filters, equally spaced on the mel scale."""

    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    freqs = np.linspace(0, spec.sample_rate / 2, spec.n_fft // 2 + 1)
    edges = hz(np.linspace(mel(spec.fmin), mel(spec.fmax), spec.n_mels + 2))
    out = np.zeros((len(freqs), spec.n_mels))
    for i in range(spec.n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        rise = (freqs - lo) / (mid - lo)
        fall = (hi - freqs) / (hi - mid)
        out[:, i] = np.clip(np.minimum(rise, fall), 0.0, None)
    return out


def hann(spec: FeatureSpec) -> np.ndarray:
    n = np.arange(spec.frame_len)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / spec.frame_len)


class LogMel:
    """Turns audio (float, [-1, 1]) into log-mel frames; :meth:`push` keeps the samples left
    over between calls, so a stream can be fed in any chunk size."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        self._mel = mel_matrix(spec).astype(np.float32)
        self._window = hann(spec).astype(np.float32)
        self._rest = np.zeros(0, dtype=np.float32)

    def frames(self, audio: np.ndarray) -> np.ndarray:
        """(n_frames, n_mels) for *audio* on its own (no state)."""
        s = self.spec
        if len(audio) < s.frame_len:
            return np.zeros((0, s.n_mels), dtype=np.float32)
        n = 1 + (len(audio) - s.frame_len) // s.hop
        idx = np.arange(s.frame_len)[None, :] + s.hop * np.arange(n)[:, None]
        framed = audio.astype(np.float32)[idx] * self._window
        power = np.abs(np.fft.rfft(framed, s.n_fft, axis=1)) ** 2
        return np.log(power.astype(np.float32) @ self._mel + s.eps).astype(np.float32)

    def push(self, audio: np.ndarray) -> np.ndarray:
        """The new complete frames that *audio*, appended to the stream, gives."""
        s = self.spec
        buf = np.concatenate([self._rest, audio.astype(np.float32)])
        out = self.frames(buf)
        used = len(out) * s.hop
        self._rest = buf[used:]
        return out


def normalise(window: np.ndarray) -> np.ndarray:
    """Each band's mean over the window taken away."""
    return window - window.mean(axis=0, keepdims=True)
