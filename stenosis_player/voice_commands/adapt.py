"""Adapting the neural spotter to one user's voice from their enrolment takes (numpy only).

Settings' enrolment records every phrase two or three times (the enrolment package). Each take gives
windows the network should call that command (ending 0.15-0.6 s after the speech) and windows
it should call filler (the phrase cut off, the room before it, long after it). Only the last
layer is retrained on them, a few hundred plain gradient steps pulled back towards the shipped
weights (so ordinary speech stays filler), which takes well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .features import LogMel, normalise
from .kws_model import KwsModel

SAMPLE_RATE = 16000
POSITIVE_AFTER_S = (0.15, 0.25, 0.35, 0.45, 0.6)  # window end this long after the speech
FILLER_AT_S = (-0.35, -0.2, 1.4)  # ... and these give filler (cut off; long past)


@dataclass(frozen=True)
class Take:
    phrase: str  # what was asked, e.g. "player next"
    pcm: bytes  # 16 kHz mono s16 little-endian
    speech_start: int  # samples
    speech_end: int


@dataclass(frozen=True)
class Adaptation:
    model: KwsModel  # the adapted copy
    takes_used: int
    phrases: tuple[str, ...]


def takes_from_enrolment(enrolment) -> list[Take]:
    """The takes of an ``enrolment.EnrolmentResult`` (anything with ``takes_with_phrases``)."""
    out = []
    for _cmd, phrase, audio in enrolment.takes_with_phrases():
        out.append(Take(phrase, audio.pcm, audio.speech_start, audio.speech_end))
    return out


def _windows(model: KwsModel, take: Take) -> list[tuple[np.ndarray, bool]]:
    """(window, is the command) pairs cut from one take, padded with its own room noise."""
    spec = model.spec
    audio = np.frombuffer(take.pcm, "<i2").astype(np.float32) / 32768.0
    end = int(take.speech_end)
    if not 0 < end <= len(audio) or take.speech_start >= end:
        return []
    # Pad with the quietest part of the take (the room), so no window runs off the recording.
    room = audio[: max(0, int(take.speech_start) - 800)]
    if len(room) < 1600:
        room = np.zeros(1600, dtype=np.float32)
    pad = spec.window_samples + 2 * SAMPLE_RATE

    def filled(n: int) -> np.ndarray:
        reps = int(np.ceil(n / len(room)))
        return np.tile(room, reps)[:n]

    padded = np.concatenate([filled(pad), audio, filled(pad)])
    end += pad
    logmel = LogMel(spec)
    out = []
    for offset, positive in [(s, True) for s in POSITIVE_AFTER_S] + [
        (s, False) for s in FILLER_AT_S
    ]:
        stop = end + int(offset * SAMPLE_RATE)
        frames = logmel.frames(padded[stop - spec.window_samples : stop])
        if len(frames) == spec.window_frames:
            out.append((normalise(frames), positive))
    # the room alone
    frames = logmel.frames(padded[: spec.window_samples])
    out.append((normalise(frames), False))
    return out


@dataclass(frozen=True)
class TakeWindows:
    """One take's training windows as the network's last hidden layer sees them (the layers
    before it never change, so these are computed once per take and reused by every fit)."""

    phrase: str
    hidden: np.ndarray  # (windows, hidden units)
    labels: np.ndarray  # class index per window (0: filler)


def take_windows(model: KwsModel, take: Take) -> TakeWindows | None:
    """*take*'s windows, or None when the model does not know its phrase or it has no speech."""
    classes = {c: i for i, c in enumerate(model.classes)}
    if take.phrase not in classes:
        return None
    pairs = _windows(model, take)
    if not pairs:
        return None
    hidden = np.stack([model.embedding(w) for w, _ in pairs]).astype(np.float64)
    labels = np.array([classes[take.phrase] if positive else 0 for _, positive in pairs])
    return TakeWindows(take.phrase, hidden, labels)


def fit_output(
    model: KwsModel,
    windows: Sequence[TakeWindows],
    steps: int = 300,
    rate: float = 1.0,
    pull: float = 0.003,
) -> KwsModel:
    """A copy of *model* whose last layer also fits *windows* (*model* itself if none)."""
    if not windows:
        return model
    h = np.concatenate([t.hidden for t in windows])
    y = np.concatenate([t.labels for t in windows])
    w0, b0 = (a.astype(np.float64) for a in model.fc[1])
    w, b = w0.copy(), b0.copy()
    onehot = np.eye(len(model.classes))[y]
    # a stable step for a softmax layer on inputs of this size: 1 / |h|^2
    step_w = rate / (float(np.mean(np.sum(h**2, axis=1))) + 1e-9)
    for _ in range(steps):
        z = h @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(y)  # mean cross-entropy gradient
        w -= step_w * (h.T @ g) + pull * (w - w0)
        b -= rate * g.sum(axis=0) + pull * (b - b0)
    return model.with_output(w, b)


def adapt_output(
    model: KwsModel,
    takes: Iterable[Take],
    steps: int = 300,
    rate: float = 1.0,
    pull: float = 0.003,
) -> Adaptation:
    """A copy of *model* whose last layer also fits *takes*. Takes of phrases the model does
    not know, or without speech, are left out; with none left the model is returned as is."""
    windows = [w for w in (take_windows(model, t) for t in takes) if w is not None]
    if not windows:
        return Adaptation(model, 0, ())
    adapted = fit_output(model, windows, steps, rate, pull)
    return Adaptation(adapted, len(windows), tuple(sorted({w.phrase for w in windows})))
